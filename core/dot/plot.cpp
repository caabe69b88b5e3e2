// Training charts as standalone SVG, written directly (a line chart and a
// decision-boundary map need a few dozen elements, not a plotting library),
// and the training report page around them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dagrad/error.hpp"
#include "dagrad/view.hpp"
#include "dot/html_page.hpp"

namespace dagrad {
namespace {

using dot::escape_html;

constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
// Classes as the course's notebook colours them (matplotlib's Spectral: red, then blue).
constexpr const char* class_colors[] = {"#d53e4f", "#3288bd", "#66c2a5", "#fdae61", "#5e4fa2", "#f46d43"};
constexpr const char* font = "font-family=\"Helvetica, DejaVu Sans, sans-serif\"";

std::string svg_number(double v) { return fmt::format("{:.2f}", v); }

// About `target` round tick values (1, 2 or 5 times a power of ten) covering [low, high].
std::vector<double> ticks(double low, double high, int target = 5) {
  if (!(high > low)) return {low};
  double raw = (high - low) / target;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * power;
    if (step >= raw) break;
  }
  std::vector<double> out;
  for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

std::string tick_text(double v) { return fmt::format("{:.4g}", v); }

// Maps data coordinates into a plot area and draws its axes.
struct Frame {
  double x_min, x_max, y_min, y_max;
  double left = 62, top = 52, width = 440, height = 250;

  double px(double x) const { return left + (x - x_min) / (x_max - x_min) * width; }
  double py(double y) const { return top + height - (y - y_min) / (y_max - y_min) * height; }

  std::string axes(const std::string& title, const std::string& x_label, const std::string& y_label) const {
    std::string out;
    out += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\" font-weight=\"bold\" {}>{}</text>\n", svg_number(left),
                       font, escape_html(title));
    for (double t : ticks(x_min, x_max)) {
      out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e5e5e5\"/>\n", svg_number(px(t)),
                         svg_number(top), svg_number(top + height));
      out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" {}>{}</text>\n",
                         svg_number(px(t)), svg_number(top + height + 15), font, tick_text(t));
    }
    for (double t : ticks(y_min, y_max)) {
      out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#e5e5e5\"/>\n", svg_number(left),
                         svg_number(left + width), svg_number(py(t)));
      out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" {}>{}</text>\n",
                         svg_number(left - 5), svg_number(py(t) + 4), font, tick_text(t));
    }
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n",
                       svg_number(left), svg_number(top), svg_number(width), svg_number(height));
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" {}>{}</text>\n",
                       svg_number(left + width / 2), svg_number(top + height + 34), font, escape_html(x_label));
    out += fmt::format(
        "<text transform=\"translate(16 {}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\" {}>{}</text>\n",
        svg_number(top + height / 2), font, escape_html(y_label));
    return out;
  }
};

std::string svg_open(double width, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
}

}  // namespace

std::string to_svg(const LinePlot& plot) {
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const PlotSeries& series : plot.series) {
    if (series.x.size() != series.y.size()) {
      throw Error(fmt::format("plot \"{}\": series \"{}\" has {} x values and {} y values", plot.title, series.name,
                              series.x.size(), series.y.size()));
    }
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
      x_min = std::min(x_min, series.x[i]);
      x_max = std::max(x_max, series.x[i]);
      y_min = std::min(y_min, series.y[i]);
      y_max = std::max(y_max, series.y[i]);
    }
  }
  if (!(x_min <= x_max)) x_min = 0, x_max = 1, y_min = 0, y_max = 1;  // nothing finite to draw
  if (x_max == x_min) x_max = x_min + 1;
  if (y_max == y_min) y_max = y_min + 1;
  double pad = (y_max - y_min) * 0.05;
  Frame frame{x_min, x_max, y_min - pad, y_max + pad};
  std::string out = svg_open(520, 348) + frame.axes(plot.title, plot.x_label, plot.y_label);
  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    const PlotSeries& series = plot.series[s];
    std::string color = series.color.empty() ? palette[s % std::size(palette)] : series.color;
    // A break in the line where a value is not finite.
    std::string points;
    auto flush = [&] {
      if (!points.empty()) {
        out +=
            fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\" points=\"{}\"/>\n", color, points);
      }
      points.clear();
    };
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) {
        flush();
        continue;
      }
      points += fmt::format("{},{} ", svg_number(frame.px(series.x[i])), svg_number(frame.py(series.y[i])));
    }
    flush();
    // The legend: one row above the plot area, series side by side.
    double legend_x = frame.left + 220 * double(s);
    out += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>\n",
                       svg_number(legend_x), svg_number(legend_x + 20), svg_number(frame.top - 12), color);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" {}>{}</text>\n", svg_number(legend_x + 25),
                       svg_number(frame.top - 8), font, escape_html(series.name));
  }
  return out + "</svg>\n";
}

std::string to_svg(const DecisionBoundaryPlot& plot) {
  if (plot.columns <= 0 || plot.rows <= 0 ||
      plot.predicted_class.size() != std::size_t(plot.columns) * std::size_t(plot.rows)) {
    throw Error(fmt::format("decision boundary \"{}\": {} predictions for a {} x {} grid", plot.title,
                            plot.predicted_class.size(), plot.rows, plot.columns));
  }
  if (plot.point_x.size() != plot.point_y.size() || plot.point_x.size() != plot.point_class.size()) {
    throw Error(fmt::format("decision boundary \"{}\": the points' x, y and class lists differ in length", plot.title));
  }
  Frame frame{plot.x_min, plot.x_max, plot.y_min, plot.y_max};
  frame.top = 34;
  frame.width = 400;
  frame.height = 400;
  std::string out = svg_open(480, 480);
  auto color_of = [](int c) { return class_colors[std::size_t(std::max(c, 0)) % std::size(class_colors)]; };
  // The prediction map: one rectangle per run of equal cells in a row,
  // overlapping a little (no hairline gaps), made pale as a group (no darker
  // stripes where they overlap).
  out += "<g opacity=\"0.35\" shape-rendering=\"crispEdges\">\n";
  double cell_w = frame.width / plot.columns, cell_h = frame.height / plot.rows;
  for (int r = 0; r < plot.rows; ++r) {
    for (int c = 0; c < plot.columns;) {
      int cls = plot.predicted_class[std::size_t(r) * std::size_t(plot.columns) + std::size_t(c)];
      int end = c + 1;
      while (end < plot.columns &&
             plot.predicted_class[std::size_t(r) * std::size_t(plot.columns) + std::size_t(end)] == cls)
        ++end;
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                         svg_number(frame.left + c * cell_w), svg_number(frame.top + frame.height - (r + 1) * cell_h),
                         svg_number((end - c) * cell_w + 0.3), svg_number(cell_h + 0.3), color_of(cls));
      c = end;
    }
  }
  out += "</g>\n";
  for (std::size_t i = 0; i < plot.point_x.size(); ++i) {
    out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\" stroke=\"#222\" stroke-width=\"0.5\"/>\n",
                       svg_number(frame.px(plot.point_x[i])), svg_number(frame.py(plot.point_y[i])),
                       color_of(plot.point_class[i]));
  }
  out += frame.axes(plot.title, "x1", "x2");
  return out + "</svg>\n";
}

std::string to_html(const TrainingReport& report) {
  std::string body = "<ul>\n";
  for (const std::string& line : report.summary) body += "<li>" + escape_html(line) + "</li>\n";
  body += "</ul>\n<div class=\"plots\">\n";
  for (const LinePlot& plot : report.plots) body += "<figure>" + to_svg(plot) + "</figure>\n";
  for (const DecisionBoundaryPlot& plot : report.boundaries) body += "<figure>" + to_svg(plot) + "</figure>\n";
  body += "</div>\n";
  return dot::static_page(report.title.empty() ? std::string("dagrad training report") : report.title, body);
}

}  // namespace dagrad
