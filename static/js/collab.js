// Loaded with <script type="module">, so only browsers NHS.UK frontend supports run it,
// after the document is parsed. NHS.UK frontend 10 ships as an ES module.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
