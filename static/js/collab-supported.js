// The first thing in <body>, as a classic (blocking) script so that the classes are set
// before anything is painted. NHS.UK frontend's CSS hides what its JavaScript enhances
// only under `nhsuk-frontend-supported`, which must mean "collab.js will run": browsers
// that run module scripts. This replaces the inline snippet of the NHS.UK page template,
// which our content security policy would block.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("nhsuk-frontend-supported");
}
