/* Draws the deck's charts: the ones on screen first, the rest one at a time while the browser is
   idle, and all that are left before printing. Drawing 300 charts at once would freeze the page
   for about 20 s; this way the first screen shows at once and the page stays usable.

   Nothing here stands between the page and its first paint. plotly.js comes as inert text
   (head.html.j2) and starts only once the first screen is painted (starting it takes about a
   second; the top of a long deck, cover and summary, has no chart), then draws the charts on that
   screen. Each chart's figure is inert JSON, parsed only when that chart is drawn. */
(function () {
  if (window.wbrChart) return;  // a notebook may run this output twice
  var pending = new Map();  // chart div -> the JSON element holding its figure, until drawn
  var soon = [];            // charts near the screen, drawn before the rest of the deck
  var waiting = [];         // charts on screen before the first paint: drawn right after it
  var observer = null;
  var plotlyStarted = false;
  var painted = false;      // the first contentful paint is on screen
  // Every Plotly.newPlot looks up document.querySelector("base"): with no <base> that walks the
  // whole page, so each chart cost more the longer the deck. A <base> that changes nothing
  // (target _self is the default) at the top of <head> ends that walk at once.
  if (!document.querySelector("base")) {
    var base = document.createElement("base");
    base.target = "_self";
    document.head.insertBefore(base, document.head.firstChild);
  }

  // Marks on the page's performance timeline (render_bench.py and the e2e tests read them).
  function mark(name) { if (window.performance && performance.mark) performance.mark(name); }

  // Runs the page's plotly.js once; false while its text is not on the page yet.
  function startPlotly() {
    if (plotlyStarted) return true;
    var source = document.getElementById("wbr-plotly-js");
    if (!source) return false;
    mark("wbr-plotly-start");
    var script = document.createElement("script");
    script.text = source.textContent;
    document.head.appendChild(script);  // an inline script: it runs here, before the next line
    plotlyStarted = true;
    mark("wbr-plotly-ready");
    return true;
  }

  // Draws a chart; before the first paint, only when `now` (printing), else right after it.
  function draw(el, now) {
    var spec = pending.get(el);
    if (!spec) return;
    if (!painted && !now) { waiting.push(el); return; }
    if (!startPlotly()) return;
    pending.delete(el);
    if (observer) observer.unobserve(el);
    var chart = JSON.parse(spec.textContent);
    Plotly.newPlot(el, chart.figure.data, chart.figure.layout, chart.config);
  }

  function drawAll() {
    Array.from(pending.keys()).forEach(function (el) { draw(el, true); });
  }

  // One chart per idle slice, so the browser paints and answers the reader between charts.
  var idle = window.requestIdleCallback || function (work) { return setTimeout(work, 30); };
  var pumping = false;
  function pump() {
    while (soon.length && !pending.has(soon[0])) soon.shift();
    var next = soon.length ? {value: soon.shift()} : pending.keys().next();
    if (next.done) { pumping = false; return; }
    draw(next.value);
    idle(pump);
  }
  function startPump() {
    if (pumping || !painted || !pending.size) return;
    pumping = true;
    idle(pump);
  }

  if ("IntersectionObserver" in window) {
    // The callback gets every chart within 600 px of the screen: the ones on screen are drawn at
    // once, the ones just off it next, ahead of the rest of the deck.
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        var box = entry.boundingClientRect;
        if (box.bottom > 0 && box.top < window.innerHeight) draw(entry.target);
        else soon.push(entry.target);
      });
      if (soon.length) startPump();
    }, {rootMargin: "600px 0px"});
  }

  // Takes over the chart in the div `id`; its figure is in the JSON element right after the div.
  window.wbrChart = function (id) {
    var el = document.getElementById(id);
    var spec = el && el.nextElementSibling;
    if (!spec || spec.type !== "application/json") return;
    pending.set(el, spec);
    if (observer) observer.observe(el); else draw(el);
    if (document.readyState === "complete") startPump();
    else if (location.hash && !jumped) jumpEarly();
  };
  window.wbrDrawAll = drawAll;
  // plotly.js starts once the first screen is painted, then draws the charts on it.
  function afterFirstPaint() {
    if (painted) return;
    painted = true;
    startPlotly();
    var onScreen = waiting;
    waiting = [];
    onScreen.forEach(function (el) { draw(el); });
    if (soon.length || document.readyState === "complete") startPump();
  }
  var paintTiming = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes;
  if (paintTiming && paintTiming.indexOf("paint") >= 0) {
    new PerformanceObserver(function (entries, self) {
      if (!entries.getEntriesByName("first-contentful-paint").length) return;
      self.disconnect();
      afterFirstPaint();
    }).observe({type: "paint", buffered: true});
  } else {
    requestAnimationFrame(function () { requestAnimationFrame(afterFirstPaint); });
  }

  // Off-screen blocks have a guessed height until first shown (content-visibility in deck.css): a
  // jump to a block shows the blocks around it at their real height a few frames later, which
  // moves it; for the next 20 frames (a third of a second), put it back at the top, unless the
  // reader has scrolled away. The same for a page opened at a block (deck.html#block-37).
  function holdAtTarget() {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var frames = 20;
    function settle() {
      if (!target || frames-- <= 0) return;
      var top = target.getBoundingClientRect().top;
      if (Math.abs(top) > window.innerHeight / 2) return;  // the reader scrolled away
      if (Math.abs(top) > 1) target.scrollIntoView();
      requestAnimationFrame(settle);
    }
    requestAnimationFrame(settle);
  }
  // A page opened at a block: the browser jumps there once the whole page is parsed (seconds, in
  // a long deck); jump as soon as the block is on the page, so its chart is drawn then, unless
  // the reader has scrolled meanwhile. (Reading window.scrollY here instead would lay out the
  // page parsed so far at every chart: seconds in a long deck.)
  var jumped = false;
  var readerMoved = false;
  ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (type) {
    window.addEventListener(type, function () { readerMoved = true; }, {passive: true, once: true});
  });
  function jumpEarly() {
    if (readerMoved) { jumped = true; return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) return;
    jumped = true;
    target.scrollIntoView();
    holdAtTarget();
  }
  window.addEventListener("hashchange", holdAtTarget);
  window.addEventListener("load", function () {
    if (location.hash) holdAtTarget();
    startPump();
  });
  window.addEventListener("beforeprint", drawAll);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    var onPrint = function (query) { if (query.matches) drawAll(); };
    if (print.addEventListener) print.addEventListener("change", onPrint);
    else if (print.addListener) print.addListener(onPrint);
  }
})();
