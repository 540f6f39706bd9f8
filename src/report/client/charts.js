/* Inlined into every report page after uPlot. Draws each chart described in the page's
 * JSON block with the id faultline-charts; fault windows are shaded on the
 * time axis under the series and labelled above them. Runs from disk with no network access. */
/* global uPlot, document, window */
(function () {
  "use strict";
  var holder = document.getElementById("faultline-charts");
  if (!holder || typeof uPlot === "undefined") return;
  var specs = JSON.parse(holder.textContent || "[]");

  function windowEdges(u, w) {
    var b = u.bbox;
    var x0 = Math.max(u.valToPos(w.start, "x", true), b.left);
    var x1 = Math.min(u.valToPos(w.end == null ? u.scales.x.max : w.end, "x", true), b.left + b.width);
    return [x0, x1];
  }

  function shade(windows) {
    return function (u) {
      var ctx = u.ctx;
      var b = u.bbox;
      ctx.save();
      windows.forEach(function (w) {
        var e = windowEdges(u, w);
        if (e[1] <= e[0]) return;
        ctx.fillStyle = w.end == null ? "rgba(207,34,46,0.20)" : "rgba(207,34,46,0.11)";
        ctx.fillRect(e[0], b.top, e[1] - e[0], b.height);
      });
      ctx.restore();
    };
  }

  /** Runs draw(ctx, bbox, px) with the context saved, text left-aligned at `size` px. */
  function onCanvas(size, baseline, draw) {
    return function (u) {
      var px = window.devicePixelRatio || 1;
      u.ctx.save();
      u.ctx.font = size * px + "px system-ui, sans-serif";
      u.ctx.textAlign = "left";
      u.ctx.textBaseline = baseline;
      draw(u, u.ctx, u.bbox, px);
      u.ctx.restore();
    };
  }

  function labels(windows) {
    return onCanvas(11, "top", function (u, ctx, b, px) {
      ctx.fillStyle = "#a40e26";
      windows.forEach(function (w, i) {
        var e = windowEdges(u, w);
        if (e[1] <= e[0]) return;
        var text = w.label + (w.end == null ? " (not healed)" : "");
        ctx.fillText(text, e[0] + 3 * px, b.top + (2 + 13 * (i % 3)) * px);
      });
    });
  }

  function marks(list) {
    return onCanvas(10, "bottom", function (u, ctx, b, px) {
      ctx.setLineDash([3 * px, 3 * px]);
      ctx.lineWidth = px;
      list.forEach(function (m, i) {
        var x = u.valToPos(m.at, "x", true);
        if (x < b.left || x > b.left + b.width) return;
        ctx.strokeStyle = m.failed ? "rgba(207,34,46,0.9)" : "rgba(87,96,106,0.55)";
        ctx.beginPath();
        ctx.moveTo(x, b.top);
        ctx.lineTo(x, b.top + b.height);
        ctx.stroke();
        if (!m.label) return;
        ctx.fillStyle = m.failed ? "#a40e26" : "#57606a";
        ctx.fillText(m.label, x + 3 * px, b.top + b.height - (2 + 12 * (i % 3)) * px);
      });
    });
  }

  function axisValues(unit) {
    return function (u, splits) {
      return splits.map(function (v) {
        return v == null
          ? ""
          : (Math.abs(v) >= 1000 ? (v / 1000).toFixed(1) + "k" : +v.toFixed(2)) + (unit || "");
      });
    };
  }

  function draw(spec) {
    var host = document.getElementById(spec.id);
    if (!host) return;
    var scales = { x: { time: !!spec.xTime } };
    var axes = [{ label: spec.xLabel, stroke: "#57606a", grid: { stroke: "#eaeef2" } }];
    Object.keys(spec.scales).forEach(function (k, i) {
      var s = spec.scales[k];
      scales[k] = {
        auto: true,
        range: function (u, min, max) {
          var lo = s.min != null ? s.min : Math.min(0, min == null ? 0 : min);
          var hi = s.max != null ? s.max : max == null || max <= lo ? lo + 1 : max * 1.05;
          return [lo, hi];
        },
      };
      axes.push({
        scale: k,
        label: s.label,
        side: i === 0 ? 3 : 1,
        stroke: "#57606a",
        grid: { show: i === 0, stroke: "#eaeef2" },
        values: axisValues(s.unit),
        size: 60,
      });
    });
    var series = [{ label: spec.xLabel }];
    var data = [spec.x];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: 1.5,
        dash: s.dash ? [4, 3] : undefined,
        fill: s.fill ? s.color + "22" : undefined,
        spanGaps: false,
        points: { show: false },
        value: function (u, v) {
          return v == null ? "-" : +v.toFixed(2) + (spec.scales[s.scale].unit || "");
        },
      });
      data.push(s.values);
    });
    var windows = spec.windows || [];
    var opts = {
      title: spec.title,
      width: Math.max(320, host.clientWidth || 800),
      height: spec.height || 210,
      scales: scales,
      axes: axes,
      series: series,
      cursor: spec.group ? { sync: { key: spec.group } } : {},
      hooks: { drawClear: [shade(windows)], draw: [labels(windows), marks(spec.marks || [])] },
    };
    host.textContent = "";
    plots.push({ plot: new uPlot(opts, data, host), host: host, height: opts.height });
    host.setAttribute("data-drawn", "true");
  }

  var plots = [];
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      plots.forEach(function (p) {
        p.plot.setSize({ width: Math.max(320, p.host.clientWidth), height: p.height });
      });
    });
  });

  specs.forEach(function (spec) {
    try {
      draw(spec);
    } catch (err) {
      var host = document.getElementById(spec.id);
      if (host) host.textContent = "chart failed: " + err;
      throw err;
    }
  });
})();
