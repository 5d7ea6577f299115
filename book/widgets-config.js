// Loaded after require.js and before embed-amd.js (see nb_ipywidgets_js in _config.yml).
(function () {
  // 1. Everything the widget manager resolves through require.js is looked up next to this file, on our
  //    own host: the fontawesome fonts of the widget CSS, and (failing, 404) any widget module that
  //    embed-amd.js does not have built in -- which it would otherwise fetch from cdn.jsdelivr.net.
  var here = document.currentScript.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
  window.require.config({ baseUrl: here });
  document.currentScript.setAttribute("data-jupyter-widgets-cdn", here + "no-cdn/");
  // 2. @jupyter-widgets/controls typesets widget descriptions with the MathJax 2 API
  //    (MathJax.Hub.Queue); with MathJax 3 that throws "Cannot read properties of undefined (reading
  //    'Queue')" once per described widget. Map it to MathJax 3 (tex-chtml.js runs before DOMContentLoaded,
  //    the widgets render on window load).
  window.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && mj.version && !mj.Hub) {
      mj.Hub = { Queue: function (job) {
        var el = job[2];
        return mj.startup.promise.then(function () { return mj.typesetPromise(el ? [el] : undefined); });
      } };
    }
  });
  // 3. The slider handle (role="slider", from noUiSlider) has no accessible name: axe
  //    "aria-input-field-name" (serious). Name it after the widget's visible description label.
  function nameSliders(root) {
    root.querySelectorAll(".widget-slider .noUi-handle:not([aria-label])").forEach(function (handle) {
      var label = handle.closest(".widget-slider").querySelector(".widget-label");
      if (label && label.textContent.trim()) handle.setAttribute("aria-label", label.textContent.trim());
    });
  }
  new MutationObserver(function () { nameSliders(document); })
    .observe(document.documentElement, { childList: true, subtree: true });
})();
