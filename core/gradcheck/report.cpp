// Gradient-check reports: the verdict, readable text and JSON. Every line
// that concerns a node input names the node, its op and the input by name.
#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

std::string format_index(const std::vector<std::int64_t>& index) { return fmt::format("[{}]", fmt::join(index, ", ")); }

std::string describe_result(const GradientComparison& r, bool fast) {
  std::string text = fmt::format("max abs error {:.3g}, max rel error {:.3g}, relative difference {:.3g}; ",
                                 r.max_abs_error, r.max_rel_error, r.relative_difference);
  if (r.checked == 0) {
    text += "nothing compared";
  } else {
    text += fmt::format("worst {} {}: analytic {:.10g}, numeric {:.10g} (error estimate {:.2g})",
                        fast ? "projection" : "element", format_index(r.worst_index), r.worst_analytic,
                        r.worst_numeric, r.worst_error_estimate);
  }
  text += fmt::format("; {} checked, {} skipped at kinks", r.checked, r.skipped);
  if (r.unmeasured > 0) text += fmt::format(", {} unmeasured (no finite difference quotient)", r.unmeasured);
  if (r.vacuous) text += "; VACUOUS: analytic and numeric gradients are both zero, nothing was compared";
  if (!r.note.empty()) text += "\n      " + r.note;
  return text;
}

nlohmann::json comparison_json(const GradientComparison& r) {
  return {{"passed", r.passed},
          {"vacuous", r.vacuous},
          {"max_abs_error", r.max_abs_error},
          {"max_rel_error", r.max_rel_error},
          {"relative_difference", r.relative_difference},
          {"analytic_norm", r.analytic_norm},
          {"numeric_norm", r.numeric_norm},
          {"difference_norm", r.difference_norm},
          {"error_estimate", r.error_estimate},
          {"worst_index", r.worst_index},
          {"worst_analytic", r.worst_analytic},
          {"worst_numeric", r.worst_numeric},
          {"worst_error_estimate", r.worst_error_estimate},
          {"checked", r.checked},
          {"skipped", r.skipped},
          {"unmeasured", r.unmeasured},
          {"eps", r.eps},
          {"note", r.note}};
}

std::vector<std::int64_t> dims(const Shape& shape) { return {shape.dims().begin(), shape.dims().end()}; }

// JSON has no NaN or infinity: a non-finite figure (a non-finite gradient)
// is written as the string "NaN", "Infinity" or "-Infinity", as graph files
// write values, so a report tells NaN from an overflow.
nlohmann::json number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

nlohmann::json float32_json(const std::vector<Float32Comparison>& leaves) {
  nlohmann::json result = nlohmann::json::array();
  for (const Float32Comparison& leaf : leaves) {
    result.push_back({{"name", leaf.name},
                      {"roundings", leaf.roundings},
                      {"max_abs_difference", leaf.max_abs_difference},
                      {"passed", leaf.passed}});
  }
  return result;
}

}  // namespace

std::string describe(const NodeCheck& check) {
  return fmt::format("node \"{}\" ({}), input {} \"{}\"", check.name, check.op, check.input_index, check.input_name);
}

bool GradcheckReport::passed() const {
  for (const auto& leaf : leaves) {
    if (!leaf.result.passed) return false;
  }
  for (const auto& node : nodes) {
    if (!node.result.passed) return false;
  }
  for (const auto& leaf : float32) {
    if (!leaf.passed) return false;
  }
  return network.passed;
}

std::vector<const NodeCheck*> GradcheckReport::failing_nodes() const {
  std::vector<const NodeCheck*> result;
  for (const auto& node : nodes) {
    if (!node.result.passed) result.push_back(&node);
  }
  return result;
}

int GradcheckReport::vacuous_checks() const {
  int count = 0;
  for (const auto& leaf : leaves) count += leaf.result.vacuous ? 1 : 0;
  for (const auto& node : nodes) count += node.result.vacuous ? 1 : 0;
  return count;
}

std::string GradcheckReport::to_string() const {
  std::string text = fmt::format(
      "gradcheck of \"{}\": {}\n  eps {:g}, atol {:g}, rtol {:g}, threshold {:g} (the course's "
      "difference), {}, seed {}\n",
      output, passed() ? "passed" : "FAILED", options.eps, options.atol, options.rtol, options.threshold,
      options.fast ? fmt::format("fast mode ({} random projections)", options.projections)
                   : std::string("full Jacobians"),
      options.seed);
  if (!leaves.empty()) {
    text += fmt::format(
        "  difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||) = {:.3g} over {} leaf elements ({}; "
        "error estimate {:.2g})\n",
        network.difference, network.elements,
        network.passed ? (network.difference < options.threshold ? "below the threshold" : "within the numerics' error")
                       : "FAILED",
        network.error_estimate);
  }
  if (dtype != DType::float64) {
    text += fmt::format("  {} graph, checked through its float64 copy; its own backward against the copy's "
                        "(within {:g} float32 roundings):\n",
                        dagrad::to_string(dtype), options.float32_roundings);
    for (const Float32Comparison& leaf : float32) {
      text += fmt::format("    {:6} leaf \"{}\": {:.3g} float32 roundings (max abs difference {:.3g})\n",
                          leaf.passed ? "ok" : "FAILED", leaf.name, leaf.roundings, leaf.max_abs_difference);
    }
  }
  auto failing = failing_nodes();
  if (!failing.empty()) {
    text += fmt::format("  first wrong backward: {}{}\n", describe(*failing.front()),
                        failing.size() > 1 ? fmt::format(" ({} node inputs fail in all)", failing.size())
                                           : std::string());
  }
  if (int vacuous = vacuous_checks(); vacuous > 0) {
    text += fmt::format("  {} vacuous check{} (analytic and numeric gradients both zero)\n", vacuous,
                        vacuous == 1 ? "" : "s");
  }
  text += "end to end (d output / d leaf):\n";
  for (const auto& leaf : leaves) {
    text += fmt::format("  {:6} leaf \"{}\" {}: {}\n", leaf.result.passed ? "ok" : "FAILED", leaf.name, leaf.shape,
                        describe_result(leaf.result, options.fast));
  }
  if (options.check_nodes) {
    text += "node by node (each backward alone, against finite differences of its own forward):\n";
    if (nodes.empty()) text += "  (no op node lies between the checked leaves and the output)\n";
    for (const auto& node : nodes) {
      text += fmt::format("  {:6} {} {}: {}\n", node.result.passed ? "ok" : "FAILED", describe(node), node.input_shape,
                          describe_result(node.result, options.fast));
    }
  }
  return text;
}

std::string GradcheckReport::to_json() const {
  nlohmann::json leaves_json = nlohmann::json::array();
  for (const auto& leaf : leaves) {
    nlohmann::json entry = comparison_json(leaf.result);
    entry["name"] = leaf.name;
    entry["shape"] = dims(leaf.shape);
    leaves_json.push_back(std::move(entry));
  }
  nlohmann::json nodes_json = nlohmann::json::array();
  for (const auto& node : nodes) {
    nlohmann::json entry = comparison_json(node.result);
    entry["node_id"] = node.node_id;
    entry["name"] = node.name;
    entry["op"] = node.op;
    entry["input_index"] = node.input_index;
    entry["input_name"] = node.input_name;
    entry["input_shape"] = dims(node.input_shape);
    entry["contract_violation"] = node.contract_violation;
    entry["description"] = describe(node);
    nodes_json.push_back(std::move(entry));
  }
  nlohmann::json failing = nlohmann::json::array();
  for (const NodeCheck* node : failing_nodes()) {
    failing.push_back({{"name", node->name},
                       {"op", node->op},
                       {"input_index", node->input_index},
                       {"input_name", node->input_name},
                       {"description", describe(*node)}});
  }
  nlohmann::json json = {
      {"output", output},
      {"passed", passed()},
      {"options",
       {{"eps", options.eps},
        {"atol", options.atol},
        {"rtol", options.rtol},
        {"threshold", options.threshold},
        {"fast", options.fast},
        {"projections", options.projections},
        {"seed", options.seed},
        {"check_nodes", options.check_nodes},
        {"float32_roundings", options.float32_roundings}}},
      {"difference", number(network.difference)},
      {"network",
       {{"difference", number(network.difference)},
        {"grad_norm", network.grad_norm},
        {"gradapprox_norm", network.gradapprox_norm},
        {"difference_norm", number(network.difference_norm)},
        {"error_estimate", network.error_estimate},
        {"elements", network.elements},
        {"passed", network.passed}}},
      {"vacuous_checks", vacuous_checks()},
      {"dtype", dagrad::to_string(dtype)},
      {"float32", float32_json(float32)},
      {"leaves", std::move(leaves_json)},
      {"nodes", std::move(nodes_json)},
      {"failing_nodes", std::move(failing)}};
  // Non-finite numbers inside comparisons are spelled the same way.
  std::function<void(nlohmann::json&)> scrub = [&](nlohmann::json& j) {
    if (j.is_number_float() && !std::isfinite(j.get<double>())) j = number(j.get<double>());
    if (!j.is_structured()) return;
    for (auto& child : j) scrub(child);
  };
  scrub(json);
  return json.dump(2);
}

}  // namespace dagrad
