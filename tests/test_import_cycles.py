"""No file-level import cycle among the app's modules, counting imports made inside functions.

Issue 16: the layers were held together by imports deferred into functions, which hide a
cycle from Python's import machinery but not from the design. grimp reads every import
statement of every module (at the top, inside functions, under TYPE_CHECKING) into one graph;
a cycle is a strongly connected component of that graph with more than one module. The
packages are the ones import-linter checks (`root_packages` in pyproject.toml), so the
contracts and this test look at the same code.
"""

import textwrap
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def root_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["root_packages"]


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected components of `graph` with more than one module, each sorted,
    in order of their first module (Tarjan's algorithm, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        while work:
            module, imported = work[-1]
            for other in imported:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append(
                        (other, iter(sorted(graph.find_modules_directly_imported_by(other))))
                    )
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        other = stack.pop()
                        on_stack.discard(other)
                        component.append(other)
                        if other == module:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return sorted(cycles)


def describe(graph, cycle: list[str]) -> str:
    """One loop through `cycle`, import by import, with the line of each import."""
    first = cycle[0]
    back = sorted(m for m in cycle if graph.direct_import_exists(importer=m, imported=first))[0]
    chain = list(graph.find_shortest_chain(importer=first, imported=back)) + [first]
    steps = []
    for importer, imported in zip(chain, chain[1:], strict=False):
        lines = sorted(
            d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)
        )
        steps.append(f"  {importer} -> {imported} (line {', '.join(map(str, lines))})")
    return f"{len(cycle)} modules: {', '.join(cycle)}\n" + "\n".join(steps)


def test_no_module_of_the_app_is_in_an_import_cycle():
    graph = grimp.build_graph(*root_packages(), cache_dir=None)
    cycles = import_cycles(graph)
    assert not cycles, "Import cycles (imports inside functions count):\n" + "\n".join(
        describe(graph, c) for c in cycles
    )


def test_the_cycle_finder_finds_cycles_in_a_hand_made_graph():
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("app.models", "app.access"),
        ("app.access", "app.rules"),
        ("app.rules", "app.models"),  # models -> access -> rules -> models
        ("app.views", "app.models"),  # above the loop, not in it
        ("app.a", "app.b"),
        ("app.b", "app.a"),  # a second, separate loop
        ("app.rules", "app.text"),
    ]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    assert import_cycles(graph) == [
        ["app.a", "app.b"],
        ["app.access", "app.models", "app.rules"],
    ]
    assert "app.access -> app.rules" in describe(graph, ["app.access", "app.models", "app.rules"])
    graph.remove_import(importer="app.rules", imported="app.models")
    assert import_cycles(graph) == [["app.a", "app.b"]]


def test_an_import_inside_a_function_closes_a_cycle(tmp_path, monkeypatch):
    """The case issue 16 is about: the import that closes the loop is deferred."""
    package = tmp_path / "deferred_loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        textwrap.dedent(
            """
            def visible_to(user):
                from deferred_loop import access

                return access.visible(user)
            """
        )
    )
    (package / "access.py").write_text("from deferred_loop import models\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("deferred_loop", cache_dir=None)
    assert import_cycles(graph) == [["deferred_loop.access", "deferred_loop.models"]]
