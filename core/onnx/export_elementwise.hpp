// Pieces of the elementwise ops' export rules (export_table.cpp, the
// elementwise section) that more than one rule uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "onnx_mapping.hpp"

namespace dagrad::onnx_mapping {

// greater, less and equal: the BOOL comparison cast to the value type.
inline ExportRule compare(std::string_view op_type) {
  return {.composite = true, .emit = [op_type](ExportContext& c) {
            const std::string mask = c.emit(op_type, {c.input(0), c.input(1)});
            c.emit_output("Cast", {mask}, {{"to", std::int64_t{export_float_type(c.node().dtype(), c.options())}}});
          }};
}

// log(1 + e^-|z|), the tail of softplus and log_sigmoid.
inline std::string log1p_exp_minus_abs(ExportContext& c, const std::string& z) {
  const std::string decay = c.emit("Exp", {c.emit("Neg", {c.emit("Abs", {z})})});
  return c.emit("Log", {c.emit("Add", {c.scalar("one", 1.0), decay})});
}

}  // namespace dagrad::onnx_mapping
