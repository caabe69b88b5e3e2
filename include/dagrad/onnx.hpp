// ONNX export and import (the optional component dagrad::onnx, built when
// Debian's libonnx-dev and libprotobuf-dev are installed).
//
// Export writes an ONNX model (opset 17) that ONNX Runtime, TensorRT,
// OpenVINO and PyTorch-based tools read: each op maps to its ONNX operator,
// or, for dagrad's composite losses and normalize_rows, to a small subgraph
// with the same math. Inputs become graph inputs, parameters and constants
// become initializers. Import maps ONNX operators back to dagrad's ops and
// recognises the subgraphs export writes, so export then import gives the
// same outputs bit for bit. core/onnx/export_table.cpp and
// core/onnx/import_table.cpp list every mapping.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/graph.hpp"
#include "dagrad/graph_file.hpp"

namespace dagrad {

struct OnnxExportOptions {
  // Write FLOAT (float32) tensors instead of DOUBLE: the type most ONNX
  // engines and accelerators run fastest. Values are rounded to float32.
  bool float32 = false;
  // A name such as "batch" makes the first dimension of every graph input
  // symbolic, so the model accepts any batch size; the outputs then declare
  // their rank and leave their dimensions to ONNX's shape inference. Empty:
  // every dimension is fixed to the graph's shapes.
  std::string batch_dimension;
};

// The ONNX model of the nodes `outputs` need, serialized (a ModelProto).
// Throws Error naming the node and op when an op has no ONNX mapping.
std::string onnx_model_bytes(const Graph& graph, std::span<const Expr> outputs,
                             const OnnxExportOptions& options = {});
// Written whole or not at all (a temporary file, then rename).
void save_onnx(const Graph& graph, std::span<const Expr> outputs, const std::string& path,
               const OnnxExportOptions& options = {});

// A graph from an ONNX model, with the model's outputs in order. Graph
// inputs become dagrad inputs holding zeros of their declared shape (a
// symbolic dimension becomes 1; set_value gives them real values).
// Initializers dagrad wrote keep their kind; other floating-point
// initializers become parameters, so an imported model can be fine-tuned.
// Throws FileError naming the file and the first node whose op_type dagrad
// cannot import.
LoadedGraph load_onnx(const std::string& path);
LoadedGraph parse_onnx(std::string_view model_bytes, const std::string& source_name = "<bytes>");

// The dagrad ops export maps and the ONNX op_types import maps, sorted.
std::vector<std::string> onnx_exportable_ops();
std::vector<std::string> onnx_importable_op_types();

}  // namespace dagrad
