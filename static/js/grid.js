// The data-entry grid moves like a spreadsheet: arrows, Enter and Shift+Enter move between
// cells; a cell saves (the htmx "cell-save" trigger) when focus leaves it with a changed value.
// A static file because the content security policy forbids inline script.

function inputAt(table, row, col) {
  return table.querySelector(`[data-grid-row="${row}"][data-grid-col="${col}"]`);
}

function move(input, dRow, dCol) {
  const table = input.closest("[data-grid]");
  const row = Number(input.dataset.gridRow) + dRow;
  const col = Number(input.dataset.gridCol) + dCol;
  const next = inputAt(table, row, col);
  if (next) {
    next.focus();
    next.select();
    return true;
  }
  return false;
}

function changed(form) {
  return [...form.querySelectorAll("input[data-grid-row]")].some(
    (input) => input.value !== input.defaultValue,
  );
}

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.gridRow) return;
  const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
  const atEnd = input.selectionStart === input.value.length;
  let moved = false;
  if (event.key === "ArrowUp") moved = move(input, -1, 0);
  else if (event.key === "ArrowDown") moved = move(input, 1, 0);
  else if (event.key === "Enter") {
    moved = move(input, event.shiftKey ? -1 : 1, 0);
    if (!moved) input.blur();
    moved = true;
  } else if (event.key === "ArrowLeft" && atStart) moved = move(input, 0, -1);
  else if (event.key === "ArrowRight" && atEnd) moved = move(input, 0, 1);
  if (moved) event.preventDefault();
});

document.addEventListener("focusout", (event) => {
  const form = event.target.closest && event.target.closest("[data-grid-form]");
  if (!form || form.contains(event.relatedTarget)) return;
  if (changed(form)) form.dispatchEvent(new Event("cell-save"));
});

// The newest periods are on the right and matter most: start each wide grid scrolled there,
// with its first period whole. Scrolled to the end, the period under the edge of the sticky
// measure names showed half its boxes; a little room after the last period (the width of
// that half) lets the scroll go on until it is hidden whole.
function scrollToNewest(wrapper) {
  wrapper.style.paddingRight = "";
  wrapper.scrollLeft = wrapper.scrollWidth;
  const names = wrapper.querySelector("thead th:first-child");
  if (!names || wrapper.scrollLeft === 0) return;
  const periods = [...wrapper.querySelectorAll("thead th:not(:first-child)")];
  let room = 0;
  // Padding does not always widen the scroll by as much as it adds: measure again.
  for (let tries = 0; tries < 3; tries++) {
    const edge = names.getBoundingClientRect().right;
    const cut = periods.find((th) => {
      const box = th.getBoundingClientRect();
      return box.left < edge - 0.5 && box.right > edge + 0.5;
    });
    if (!cut) return;
    room += Math.ceil(cut.getBoundingClientRect().right - edge);
    wrapper.style.paddingRight = `${room}px`;
    wrapper.scrollLeft = wrapper.scrollWidth;
  }
}

for (const wrapper of document.querySelectorAll(".collab-grid-wrapper")) {
  scrollToNewest(wrapper);
}
