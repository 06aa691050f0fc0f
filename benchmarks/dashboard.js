/* refconv's additions to the asv dashboard (tools/asv_vendor.py copies this file into the
 * published page and loads it after asv's own scripts).
 *
 * asv's graphdisplay.js draws every graph with `$.plot(placeholder, series, options)`; this
 * wraps `$.plot` and edits the options of the main graph (#main-graph) before flot draws:
 *
 *  - a ratio benchmark with a target (window.REFCONV_TARGETS, written by tools/asv_ratios.py from
 *    its TARGETS) gets each target as a horizontal line, labelled, and a y range that shows it;
 *  - against commits, the x axis is labelled with the commit hashes (asv leaves it blank),
 *    thinned so that labels never overlap;
 *  - against a numeric parameter spanning 8x or more (the sweep's n = 16..512), the x axis is
 *    logarithmic, ticked at the parameter's values (a linear axis crowds the small sizes);
 *  - the legend is drawn in a column right of the plot, never over the data.
 *
 * Only options change: asv's data, hover and zoom code stay as they are.
 */
(function ($) {
    "use strict";
    if (!$ || !$.plot) {
        return;
    }
    var LEGEND_WIDTH = 230; /* px reserved right of the plot for the legend */
    var MIN_TICK_GAP = 70; /* px between two commit labels */

    function current_view() {
        /* The benchmark, x-axis parameter and parameter selection from the page's hash. */
        var info = $.asv.parse_hash_string(window.location.hash);
        var name = info.location.join("/");
        var params = info.params || {};
        return {
            benchmark: name,
            x_axis: params["x-axis"] ? params["x-axis"][0] : "commit",
            params: params
        };
    }

    function selected(view, benchmark, values) {
        /* Whether a target's parameter values are all among the graph's selected values. */
        var names = benchmark.param_names || [];
        for (var i = 0; i < values.length && i < names.length; ++i) {
            var chosen = view.params["p-" + names[i]];
            if (chosen && $.inArray(values[i], chosen) == -1 && $.inArray("'" + values[i] + "'", chosen) == -1) {
                return false;
            }
        }
        return true;
    }

    function category_of(view, benchmark, values) {
        /* Against a categorical parameter (the speed table's rows), the target's category index. */
        var index = $.inArray(view.x_axis, benchmark.param_names || []);
        if (index == -1 || index >= values.length) {
            return null;
        }
        var names = $.map(benchmark.params[index], function (v) {
            return "" + $.asv.convert_benchmark_param_value(v);
        });
        var at = $.inArray(values[index], names);
        return at == -1 ? null : at;
    }

    function add_targets(view, benchmark, options, labels) {
        var targets = (window.REFCONV_TARGETS || {})[view.benchmark] || [];
        var markings = options.grid.markings = options.grid.markings || [];
        $.each(targets, function (i, t) {
            if (!selected(view, benchmark, t.params)) {
                return;
            }
            var line = { color: "#c0392b", lineWidth: 2, yaxis: { from: t.target, to: t.target } };
            var label = { y: t.target, text: "target \u2264 " + t.target + "x" +
                          (t.params.length ? " (" + t.params.join(", ") + ")" : "") };
            var category = options.xaxis.mode == "categories" ? category_of(view, benchmark, t.params) : null;
            if (category !== null) {
                /* One bar per category: the target is a segment over its own bar. */
                line.xaxis = { from: category - 0.45, to: category + 0.45 };
                label = { y: t.target, x: category, text: "\u2264 " + t.target + "x" };
            }
            markings.push(line);
            labels.push(label);
            /* asv fits the y range to the data: widen it so that the line is on the graph. */
            if (options.yaxis.max !== undefined && options.yaxis.max < t.target * 1.1) {
                options.yaxis.max = t.target * 1.1;
            }
            if (options.yaxis.min !== undefined && options.yaxis.min > t.target * 0.9) {
                options.yaxis.min = t.target * 0.9;
            }
        });
        if (labels.length && !options.yaxis.transform) {
            options.yaxis.min = Math.min(options.yaxis.min === undefined ? 0 : options.yaxis.min, 0);
        }
    }

    function revision_of(x, date_scale) {
        if (!date_scale) {
            return x;
        }
        var found = null;
        $.each($.asv.main_json.revision_to_date, function (rev, date) {
            if (date == x) {
                found = rev;
            }
        });
        return found;
    }

    function add_commit_labels(series, options, width) {
        var xs = [];
        $.each(series, function (i, s) {
            $.each(s.data, function (j, p) {
                if (p[1] !== null && $.inArray(p[0], xs) == -1) {
                    xs.push(p[0]);
                }
            });
        });
        if (!xs.length) {
            return;
        }
        xs.sort(function (a, b) { return a - b; });
        var transform = options.xaxis.transform || function (v) { return v; };
        var lo = transform(xs[0]), hi = transform(xs[xs.length - 1]);
        var scale = hi > lo ? (width - 60) / (hi - lo) : 0;
        var date_scale = options.xaxis.mode == "time";
        var ticks = [], last = null;
        $.each(xs, function (i, x) {
            var px = (transform(x) - lo) * scale;
            var rev = revision_of(x, date_scale);
            if (rev === null || (last !== null && px - last < MIN_TICK_GAP)) {
                return;
            }
            ticks.push([x, $.asv.get_commit_hash(rev)]);
            last = px;
        });
        options.xaxis.ticks = ticks;
        options.xaxis.tickFormatter = null;
        options.xaxis.axisLabel = date_scale ? "commit (by date)" : "commit";
    }

    function log_x_axis(benchmark, view, options) {
        var index = $.inArray(view.x_axis, benchmark.param_names || []);
        if (index == -1) {
            return;
        }
        var values = $.map(benchmark.params[index], function (v) {
            var n = $.asv.convert_benchmark_param_value(v);
            return typeof n == "number" && n > 0 ? n : null;
        });
        if (values.length != benchmark.params[index].length || values.length < 2) {
            return;
        }
        var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
        if (hi / lo < 8) {
            return;
        }
        options.xaxis.transform = function (v) { return Math.log(v) / Math.LN10; };
        options.xaxis.inverseTransform = function (v) { return Math.pow(10, v); };
        options.xaxis.ticks = values;
        options.xaxis.tickFormatter = function (v) { return "" + Math.round(v); };
        options.xaxis.min = lo / 1.15;
        options.xaxis.max = hi * 1.15;
        options.xaxis.axisLabel = view.x_axis + " (log scale)";
    }

    function legend_outside(placeholder, options) {
        /* A column right of the plot for the legend, so that it never hides a point. */
        var column = $("#refconv-legend");
        if (!column.length) {
            column = $('<div id="refconv-legend"></div>').css({
                position: "absolute", top: 0, right: 0, width: LEGEND_WIDTH - 10 + "px",
                "font-size": "smaller", "overflow-y": "auto", "max-height": "100%"
            });
            placeholder.parent().append(column);
        }
        column.empty();
        var show = options.legend && options.legend.show !== false;
        placeholder.css("width", show ? "calc(100% - " + LEGEND_WIDTH + "px)" : "100%");
        column.toggle(show);
        if (show) {
            options.legend.container = column;
        }
    }

    function draw_labels(plot, labels) {
        /* A line's text at its right end (close lines' texts stacked upwards); a segment's above it. */
        var offset = plot.getPlotOffset();
        var axes = plot.getAxes();
        var css = { position: "absolute", color: "#c0392b", "font-size": "smaller",
                    "background-color": "rgba(255,255,255,0.8)" };
        var placed = [];
        $.each(labels, function (i, label) {
            var y = axes.yaxis.p2c(label.y);
            if (!isFinite(y)) {
                return;
            }
            if (label.x !== undefined) {
                $('<div class="refconv-target-label"></div>').text(label.text).css(css).css({
                    left: offset.left + axes.xaxis.p2c(label.x) - 20 + "px", top: offset.top + y - 16 + "px"
                }).appendTo(plot.getPlaceholder());
            } else {
                placed.push({ y: y, text: label.text });
            }
        });
        placed.sort(function (a, b) { return b.y - a.y; });
        var above = Infinity;
        $.each(placed, function (i, label) {
            var top = Math.min(label.y - 16, above - 15);
            above = top;
            $('<div class="refconv-target-label"></div>').text(label.text).css(css).css({
                right: "10px", top: offset.top + top + "px"
            }).appendTo(plot.getPlaceholder());
        });
    }

    var original = $.plot;
    var wrapped = function (placeholder, series, options) {
        var ph = $(placeholder);
        if (ph.attr("id") != "main-graph" || !$.asv || !$.asv.main_json || !$.asv.main_json.benchmarks) {
            return original.apply(this, arguments);
        }
        var view = current_view();
        var benchmark = $.asv.main_json.benchmarks[view.benchmark];
        if (!benchmark) {
            return original.apply(this, arguments);
        }
        options = $.extend(true, {}, options || {});
        options.grid = options.grid || {};
        options.xaxis = options.xaxis || {};
        options.yaxis = options.yaxis || {};
        var labels = [];
        legend_outside(ph, options);
        add_targets(view, benchmark, options, labels);
        if (view.x_axis == "commit") {
            add_commit_labels(series, options, ph.width());
        } else {
            log_x_axis(benchmark, view, options);
        }
        var plot = original.call(this, ph, series, options);
        draw_labels(plot, labels);
        return plot;
    };
    $.extend(wrapped, original); /* keep $.plot.plugins, $.plot.formatDate, ... */
    $.plot = wrapped;
})(window.jQuery);
