// `dagrad gradcheck`: the gradient-check suite runner.
//
//   dagrad gradcheck                      every registered op at all its examples
//   dagrad gradcheck --op softmax         one op (repeat --op for several)
//   dagrad gradcheck --json r.json --junit r.xml   reports for CI
//   dagrad gradcheck model.json           a graph file, end to end and node by node
//   dagrad gradcheck model.json --dot failures.svg   ... with failing nodes drawn red
//   dagrad gradcheck --eps 1e-7 --threshold 2e-7      the pass rule's settings (echoed in every report)
//   dagrad gradcheck --mutants [--op relu]  the checker's self-test: kill rate per op
//   dagrad gradcheck --order 2 [--op relu | model.json]  symbolic backwards: against the
//                                         kernels, and second derivatives against finite differences
//
// Exit status: 0 all checks pass, 1 any fails, 2 bad usage (unknown flag or
// op, unreadable file, bad options).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/dot.hpp"
#include "dagrad/view.hpp"
#include "dagrad/gradcheck.hpp"
#include "dagrad/graph_file.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

// One row of the table and of the JSON and JUnit reports.
struct CheckRow {
  std::string op;     // the op checked, or the output's op for a graph file
  std::string shape;  // the example's shapes, or the output's name and shape
  GradcheckReport report;
  double seconds = 0;
};

double max_rel_error(const GradcheckReport& report) {
  double worst = 0;
  for (const auto& leaf : report.leaves) worst = std::max(worst, leaf.result.max_rel_error);
  for (const auto& node : report.nodes) worst = std::max(worst, node.result.max_rel_error);
  return worst;
}

double max_relative_difference(const GradcheckReport& report) {
  double worst = 0;
  for (const auto& leaf : report.leaves) worst = std::max(worst, leaf.result.relative_difference);
  for (const auto& node : report.nodes) worst = std::max(worst, node.result.relative_difference);
  return worst;
}

std::string one_line_failure(const GradcheckReport& report) {
  auto failing = report.failing_nodes();
  if (!failing.empty()) {
    return fmt::format("wrong backward in {}", describe(*failing[0]));
  }
  for (const auto& leaf : report.leaves) {
    if (!leaf.result.passed) return fmt::format("gradient of leaf \"{}\" disagrees with finite differences", leaf.name);
  }
  return "passed";
}

std::string settings_line(const GradcheckOptions& o) {
  return fmt::format("eps {:g}, atol {:g}, rtol {:g}, threshold {:g}{}, seed {}", o.eps, o.atol,
                     o.rtol, o.threshold, o.fast ? fmt::format(", fast mode ({} projections)", o.projections) : "",
                     o.seed);
}

nlohmann::json settings_json(const GradcheckOptions& o) {
  return {{"eps", o.eps}, {"atol", o.atol},         {"rtol", o.rtol}, {"threshold", o.threshold},
          {"fast", o.fast}, {"projections", o.projections}, {"seed", o.seed}};
}

void print_table(const std::vector<CheckRow>& rows) {
  std::size_t op_width = 2, shape_width = 5;
  for (const CheckRow& row : rows) {
    op_width = std::max(op_width, row.op.size());
    shape_width = std::max(shape_width, row.shape.size());
  }
  fmt::print("{:<{}}  {:<{}}  {:>13}  {:>13}  {:<6}  {:>9}\n", "op", op_width, "shape", shape_width,
             "max rel error", "rel diff", "status", "time");
  for (const CheckRow& row : rows) {
    fmt::print("{:<{}}  {:<{}}  {:>13.2e}  {:>13.2e}  {:<6}  {:>6.2f} ms\n", row.op, op_width, row.shape,
               shape_width, max_rel_error(row.report), max_relative_difference(row.report),
               row.report.passed() ? "ok" : "FAILED", row.seconds * 1e3);
  }
}

std::string json_report(const std::vector<CheckRow>& rows, const GradcheckOptions& options, std::string_view source) {
  nlohmann::json results = nlohmann::json::array();
  int failed = 0;
  for (const CheckRow& row : rows) {
    failed += row.report.passed() ? 0 : 1;
    results.push_back({{"op", row.op},
                       {"shape", row.shape},
                       {"passed", row.report.passed()},
                       {"seconds", row.seconds},
                       {"max_rel_error", max_rel_error(row.report)},
                       {"relative_difference", max_relative_difference(row.report)},
                       {"difference", row.report.network.difference},
                       {"report", nlohmann::json::parse(row.report.to_json())}});
  }
  nlohmann::json json = {{"tool", "dagrad gradcheck"},
                         {"source", source},
                         {"seed", options.seed},
                         {"settings", settings_json(options)},
                         {"passed", failed == 0},
                         {"checks", rows.size()},
                         {"failed", failed},
                         {"results", std::move(results)}};
  return json.dump(2) + "\n";
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline and return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string junit_report(const std::vector<CheckRow>& rows, const GradcheckOptions& options) {
  int failed = 0;
  double total = 0;
  for (const CheckRow& row : rows) {
    failed += row.report.passed() ? 0 : 1;
    total += row.seconds;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"dagrad gradcheck\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.6f}\">\n",
                     rows.size(), failed, total);
  xml += fmt::format("  <testsuite name=\"gradcheck\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.6f}\">\n",
                     rows.size(), failed, total);
  xml += "    <properties>\n";
  const nlohmann::json settings = settings_json(options);  // items() does not keep a temporary alive
  for (const auto& [key, value] : settings.items()) {
    xml += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key, xml_escape(value.dump()));
  }
  xml += "    </properties>\n";
  for (const CheckRow& row : rows) {
    xml += fmt::format("    <testcase classname=\"gradcheck.{}\" name=\"{}\" time=\"{:.6f}\"", xml_escape(row.op),
                       xml_escape(fmt::format("{} {}", row.op, row.shape)), row.seconds);
    if (row.report.passed()) {
      xml += "/>\n";
      continue;
    }
    xml += fmt::format(">\n      <failure type=\"gradcheck\" message=\"{}\">{}</failure>\n    </testcase>\n",
                       xml_escape(one_line_failure(row.report)), xml_escape(row.report.to_string()));
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

struct Settings {
  std::string graph_file;
  std::vector<std::string> ops;
  std::string json_path, junit_path, dot_path, html_path;
  GradcheckOptions defaults;
  std::uint64_t seed = 0;
  double eps = defaults.eps, atol = defaults.atol, rtol = defaults.rtol, threshold = defaults.threshold;
  bool mutants = false;
  int order = 1;
  bool fast = false;
  int projections = 8;
  bool verbose = false;
  bool check_finite = false;
};

// A diagram format render() knows, checked before any work is done.
void check_diagram_path(const std::string& path) {
  for (std::string_view extension : {".dot", ".svg", ".png", ".pdf"}) {
    if (path.size() > extension.size() && path.ends_with(extension)) return;
  }
  throw Error(fmt::format("--dot \"{}\": the diagram's file name must end in .dot, .svg, .png or .pdf", path));
}

std::vector<CheckRow> check_ops(const Settings& settings, const GradcheckOptions& options) {
  std::vector<std::string> names = settings.ops.empty() ? OpRegistry::global().names() : settings.ops;
  for (const std::string& name : names) OpRegistry::global().find(name);  // unknown op: Error, exit 2
  std::vector<CheckRow> rows;
  for (const std::string& name : names) {
    for (OpExampleCheck& check : gradcheck_op(name, options)) {
      rows.push_back({check.op, check.description, std::move(check.report), check.seconds});
    }
  }
  return rows;
}

std::vector<CheckRow> check_graph_file(const Settings& settings, const GradcheckOptions& options) {
  LoadedGraph loaded = load_graph(settings.graph_file);
  if (!settings.dot_path.empty()) check_diagram_path(settings.dot_path);
  if (loaded.outputs.empty()) {
    throw Error(fmt::format("graph file \"{}\" names no outputs: there is nothing to check", settings.graph_file));
  }
  check_graph_fits(*loaded.graph, settings.graph_file, /*with_gradients=*/true);
  if (settings.check_finite) {
    // Finite differences of NaN compare as failures far from their cause:
    // name the first non-finite value or gradient first.
    for (Expr output : loaded.outputs) {
      if (loaded.graph->forward(output, ForwardOptions{.check_finite = true}).size() != 1) continue;
      try {
        loaded.graph->backward(output, BackwardOptions{.check_finite = true});
      } catch (const NonFiniteError&) {
        throw;
      } catch (const Error&) {
        // Nothing to differentiate: gradcheck itself says so below.
      }
    }
  }
  std::vector<CheckRow> rows;
  Rng rng(settings.seed);
  for (Expr output : loaded.outputs) {
    auto start = std::chrono::steady_clock::now();
    CheckRow row;
    row.op = std::string(loaded.graph->node(output).op_name());
    row.shape = fmt::format("\"{}\" {}", output.name(), output.shape());
    if (loaded.graph->forward(output).size() == 1) {
      row.report = gradcheck(*loaded.graph, output, options);
    } else {
      // A non-scalar output is checked as L = sum(seed * output) with a
      // random seed gradient (drawn from --seed).
      Tensor seed = random_normal(output.shape(), rng);
      row.report = gradcheck(*loaded.graph, output, seed, options);
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rows.push_back(std::move(row));
  }
  if (!settings.dot_path.empty()) {
    // The diagram overlays one report: the first failing output's, else the first output's.
    std::size_t shown = 0;
    while (shown + 1 < rows.size() && rows[shown].report.passed()) ++shown;
    DotOptions dot;
    dot.outputs = loaded.outputs;
    dot.gradcheck = &rows[shown].report;
    render(*loaded.graph, settings.dot_path, dot);
  }
  if (!settings.html_path.empty()) {
    std::size_t shown = 0;  // as for --dot: the first failing output's report, else the first output's
    while (shown + 1 < rows.size() && rows[shown].report.passed()) ++shown;
    ViewOptions view{.title = "gradient check of " + settings.graph_file, .gradcheck = &rows[shown].report};
    write_file_atomically(settings.html_path, to_html(*loaded.graph, loaded.outputs, view));
  }
  return rows;
}

// `--mutants`: one line per op, the surviving mutants spelled out.
int run_mutants(const Settings& settings, const GradcheckOptions& options) {
  std::vector<std::string> names = settings.ops.empty() ? OpRegistry::global().names() : settings.ops;
  for (const std::string& name : names) OpRegistry::global().find(name);
  fmt::print("{}\n", settings_line(options));
  nlohmann::json ops = nlohmann::json::array();
  int survivors = 0, false_alarms = 0, killed = 0, counted = 0;
  for (const std::string& name : names) {
    OpMutantReport report = mutant_check_op(name, options);
    fmt::print("{}\n", to_string(report));
    survivors += report.counted() - report.killed();
    false_alarms += int(report.correct_failures.size());
    killed += report.killed();
    counted += report.counted();
    nlohmann::json mutants = nlohmann::json::array();
    for (const MutantResult& m : report.mutants) {
      mutants.push_back({{"mutation", std::string(to_string(m.mutation))},
                         {"killed", m.killed()},
                         {"equivalent", m.equivalent()},
                         {"examples", m.examples},
                         {"examples_failed", m.examples_failed},
                         {"explanation", m.explanation}});
    }
    ops.push_back({{"op", report.op},
                   {"kill_rate", report.kill_rate()},
                   {"killed", report.killed()},
                   {"counted", report.counted()},
                   {"examples", report.examples},
                   {"vacuous_examples", report.vacuous_examples},
                   {"false_alarms", report.correct_failures},
                   {"mutants", std::move(mutants)}});
  }
  if (!settings.json_path.empty()) {
    nlohmann::json json = {{"tool", "dagrad gradcheck --mutants"},
                           {"settings", settings_json(options)},
                           {"passed", survivors == 0 && false_alarms == 0},
                           {"killed", killed},
                           {"counted", counted},
                           {"ops", std::move(ops)}};
    write_file_atomically(settings.json_path, json.dump(2) + "\n");
  }
  fmt::print("\n{} of {} mutants killed over {} ops ({}){}\n", killed, counted, names.size(), settings_line(options),
             false_alarms > 0 ? fmt::format("; {} FALSE ALARMS on the real ops", false_alarms) : "");
  return survivors == 0 && false_alarms == 0 ? exit_ok : exit_failed;
}

// `--order 2`: one line per check. Listing every op, ops without a
// symbolic backward are named and left out; asked for by --op or met in a
// graph file, they fail.
int run_second_order(const Settings& settings, const GradcheckOptions& options) {
  if (!settings.json_path.empty() || !settings.junit_path.empty() || !settings.dot_path.empty() ||
      !settings.html_path.empty()) {
    throw Error("--order 2 prints its report; --json, --junit, --dot and --html are for first-order checks");
  }
  const bool from_file = !settings.graph_file.empty();
  const bool every_op = !from_file && settings.ops.empty();
  std::vector<SymbolicCheck> checks;
  if (from_file) {
    LoadedGraph loaded = load_graph(settings.graph_file);
    if (loaded.outputs.empty()) throw Error(fmt::format("{}: the file lists no \"outputs\"", settings.graph_file));
    checks = check_symbolic_nodes(*loaded.graph, loaded.outputs.front(), options);
  } else {
    std::vector<std::string> names = every_op ? OpRegistry::global().names() : settings.ops;
    for (const std::string& name : names) OpRegistry::global().find(name);  // unknown op: Error, exit 2
    for (const std::string& name : names) {
      for (SymbolicCheck& check : check_symbolic_op(name, options)) checks.push_back(std::move(check));
    }
  }
  int failed = 0, passed = 0;
  std::vector<std::string> without, failing;
  for (const SymbolicCheck& check : checks) {
    const std::string what = check.node.empty() ? fmt::format("{} {}", check.op, check.description)
                                                : fmt::format("node \"{}\" ({})", check.node, check.op);
    if (every_op && check.note.find("has no symbolic backward") != std::string::npos) {
      if (std::find(without.begin(), without.end(), check.op) == without.end()) without.push_back(check.op);
      continue;
    }
    if (check.passed) {
      ++passed;
      fmt::print("ok      {}: first order {:.1e}, second order {:.3f} of the tolerance ({} elements, {} skipped)\n",
                 what, check.first_order_error, check.second_order_error, check.checked, check.skipped);
    } else {
      ++failed;
      fmt::print("FAILED  {}\n", check.note);
      const std::string name = check.node.empty() ? check.op : fmt::format("node \"{}\"", check.node);
      if (std::find(failing.begin(), failing.end(), name) == failing.end()) failing.push_back(name);
    }
  }
  if (!without.empty()) {
    fmt::print("\nwithout a symbolic backward (not checked): {}\n", fmt::join(without, ", "));
  }
  if (failed == 0) {
    fmt::print("\n{} second-order checks passed ({})\n", passed, settings_line(options));
    return exit_ok;
  }
  fmt::print("\n{} of {} second-order checks FAILED ({}): {}\n", failed, failed + passed, settings_line(options),
             fmt::join(failing, ", "));
  return exit_failed;
}

int run_gradcheck(const Settings& settings) {
  GradcheckOptions options;
  options.seed = settings.seed;
  options.eps = settings.eps;
  options.atol = settings.atol;
  options.rtol = settings.rtol;
  options.threshold = settings.threshold;
  options.fast = settings.fast;
  options.projections = settings.projections;

  validate(options);
  if (settings.mutants) return run_mutants(settings, options);
  if (settings.order == 2) return run_second_order(settings, options);
  auto start = std::chrono::steady_clock::now();
  bool from_file = !settings.graph_file.empty();
  std::vector<CheckRow> rows = from_file ? check_graph_file(settings, options) : check_ops(settings, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  fmt::print("{}\n", settings_line(options));
  print_table(rows);
  int failed = 0;
  std::vector<std::string> failed_ops;
  for (const CheckRow& row : rows) {
    if (row.report.passed()) {
      if (settings.verbose || from_file) fmt::print("\n{} {}:\n{}", row.op, row.shape, row.report.to_string());
      continue;
    }
    ++failed;
    // Ops name themselves; a graph file's output names its first wrong node.
    std::string what = from_file ? fmt::format("output \"{}\": {}", row.report.output, one_line_failure(row.report))
                                 : row.op;
    if (std::find(failed_ops.begin(), failed_ops.end(), what) == failed_ops.end()) failed_ops.push_back(what);
    fmt::print("\n{} {}:\n{}", row.op, row.shape, row.report.to_string());
  }
  std::string source = from_file ? settings.graph_file : std::string("registered ops");
  if (!settings.json_path.empty()) write_file_atomically(settings.json_path, json_report(rows, options, source));
  if (!settings.junit_path.empty()) write_file_atomically(settings.junit_path, junit_report(rows, options));

  if (failed == 0) {
    fmt::print("\n{} {} passed ({}; {}) in {:.0f} ms\n", rows.size(), rows.size() == 1 ? "check" : "checks",
               source, settings_line(options), seconds * 1e3);
    return exit_ok;
  }
  fmt::print("\n{} of {} {} FAILED ({}; {}): {}\n", failed, rows.size(), rows.size() == 1 ? "check" : "checks",
             source, settings_line(options), fmt::join(failed_ops, from_file ? "; " : ", "));
  return exit_failed;
}

const CommandRegistration registration{
    "gradcheck",
    "Check gradients against central finite differences: every registered op, or a graph file",
    [](CLI::App& app) -> std::function<int()> {
      auto settings = std::make_shared<Settings>();
      app.add_option("FILE", settings->graph_file,
                     "A graph file (JSON) to check end to end and node by node, instead of the registered ops")
          ->check(CLI::ExistingFile);
      auto* op = app.add_option("--op", settings->ops, "Check only this registered op (repeatable)");
      op->excludes(app.get_option("FILE"));
      app.add_option("--seed", settings->seed, "Seed for examples, seed gradients and projections")
          ->capture_default_str();
      app.add_option("--json", settings->json_path, "Write a JSON report here (each result names its \"op\")");
      app.add_option("--junit", settings->junit_path, "Write a JUnit XML report here");
      app.add_option("--dot", settings->dot_path,
                     "With a graph file: draw it (.dot, .svg, .png, .pdf) with failing nodes marked red")
          ->needs(app.get_option("FILE"));
      app.add_option("--html", settings->html_path,
                     "With a graph file: write the interactive view (HTML) with every node's check results")
          ->needs(app.get_option("FILE"));
      app.add_option("--eps", settings->eps,
                     "Relative step: an element x moves by eps*|x| (eps where x is 0), then eps/2 and eps/4 "
                     "for Richardson extrapolation")
          ->capture_default_str();
      app.add_option("--atol", settings->atol, "Absolute tolerance per element (added to rtol*|numeric| and the "
                     "numerics' error estimate)")->capture_default_str();
      app.add_option("--rtol", settings->rtol, "Relative tolerance per element")->capture_default_str();
      app.add_option("--threshold", settings->threshold,
                     "The course's difference ||grad - gradapprox|| / (||grad|| + ||gradapprox||) must stay below "
                     "this (unless within the numerics' error estimate)")
          ->capture_default_str();
      app.add_flag("--mutants", settings->mutants,
                   "Self-test: run each op's examples with its backward broken in 7 ways and report the kill rate")
          ->excludes(app.get_option("FILE"));
      app.add_option("--order", settings->order,
                     "2: check symbolic backwards (higher-order gradients) against the kernels and their second "
                     "derivatives against finite differences")
          ->check(CLI::Range(1, 2))
          ->excludes(app.get_option("--mutants"))
          ->capture_default_str();
      app.add_flag("--fast", settings->fast, "Compare random projections u^T J v instead of full Jacobians");
      app.add_option("--projections", settings->projections, "Random projections per check in --fast mode")
          ->capture_default_str();
      app.add_flag("-v,--verbose", settings->verbose, "Print the full report of every check, not only failures");
      app.add_flag("--check-finite", settings->check_finite,
                   "With a graph file: first run it forward and backward stopping at the first NaN or infinite "
                   "value or gradient, naming the node (exit status 1)");
      return [settings] { return run_gradcheck(*settings); };
    }};

}  // namespace
}  // namespace dagrad::cli
