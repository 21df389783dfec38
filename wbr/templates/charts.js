/* Draws the deck's charts: the ones on screen first, the rest one at a time while the browser is
   idle, and all that are left before printing. Drawing 300 charts at once would freeze the page
   for about 20 s; this way the first screen shows at once and the page stays usable. */
(function () {
  if (window.wbrChart) return;  // a notebook may run this output twice
  var pending = new Map();
  var observer = null;
  // Every Plotly.newPlot looks up document.querySelector("base"): with no <base> that walks the
  // whole page, so each chart cost more the longer the deck. A <base> that changes nothing
  // (target _self is the default) at the top of <head> ends that walk at once.
  if (!document.querySelector("base")) {
    var base = document.createElement("base");
    base.target = "_self";
    document.head.insertBefore(base, document.head.firstChild);
  }

  function draw(el) {
    var spec = pending.get(el);
    if (!spec) return;
    pending.delete(el);
    if (observer) observer.unobserve(el);
    Plotly.newPlot(el, spec.figure.data, spec.figure.layout, spec.config);
  }

  function drawAll() {
    Array.from(pending.keys()).forEach(draw);
  }

  var idle = window.requestIdleCallback || function (work) { return setTimeout(work, 30); };
  var pumping = false;
  function pump() {
    var next = pending.keys().next();
    if (next.done) { pumping = false; return; }
    draw(next.value);
    idle(pump);
  }
  function startPump() {
    if (pumping) return;
    pumping = true;
    idle(pump);
  }

  if ("IntersectionObserver" in window) {
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { if (entry.isIntersecting) draw(entry.target); });
    }, {rootMargin: "600px 0px"});
  }

  window.wbrChart = function (id, figure, config) {
    var el = document.getElementById(id);
    if (!el) return;
    pending.set(el, {figure: figure, config: config});
    if (observer) observer.observe(el); else draw(el);
    if (document.readyState === "complete") startPump();
  };
  window.wbrDrawAll = drawAll;
  // Off-screen blocks have a guessed height until first shown (content-visibility in deck.css): a
  // jump to a block shows the blocks around it at their real height a few frames later, which
  // moves it; for the next 20 frames (a third of a second), put it back at the top.
  window.addEventListener("hashchange", function () {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var frames = 20;
    function settle() {
      if (!target || frames-- <= 0) return;
      if (Math.abs(target.getBoundingClientRect().top) > 1) target.scrollIntoView();
      requestAnimationFrame(settle);
    }
    requestAnimationFrame(settle);
  });
  window.addEventListener("load", startPump);
  window.addEventListener("beforeprint", drawAll);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    var onPrint = function (query) { if (query.matches) drawAll(); };
    if (print.addEventListener) print.addEventListener("change", onPrint);
    else if (print.addListener) print.addListener(onPrint);
  }
})();
