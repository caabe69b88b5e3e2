// Runs an ONNX model in ONNX Runtime (CPU) and prints its outputs as JSON:
//   node run_onnxruntime.js MODEL.onnx INPUTS.json
// INPUTS.json: {"x": {"shape": [2, 3], "values": [...]}, ...}; each input is
// fed as float64, or float32 when the model declares FLOAT.
// Output: {"outputs": {"name": {"type": "float64", "shape": [...], "values": [...]}}}.
// JSON numbers print the shortest text that reads back to the same double,
// so the C++ test compares exactly what ONNX Runtime computed.
'use strict';
const fs = require('node:fs');
const ort = require('onnxruntime-node');

async function main() {
  const [modelPath, inputsPath] = process.argv.slice(2);
  const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
  const session = await ort.InferenceSession.create(modelPath, {executionProviders: ['cpu']});
  const feeds = {};
  for (const name of session.inputNames) {
    if (!(name in inputs)) throw new Error(`no value given for the model input "${name}"`);
    const declared = session.inputMetadata.find((m) => m.name === name);
    const type = declared && declared.type === 'float32' ? 'float32' : 'float64';
    const Array = type === 'float32' ? Float32Array : Float64Array;
    feeds[name] = new ort.Tensor(type, Array.from(inputs[name].values), inputs[name].shape);
  }
  const results = await session.run(feeds);
  const outputs = {};
  for (const name of session.outputNames) {
    const tensor = results[name];
    outputs[name] = {type: tensor.type, shape: tensor.dims, values: Array.from(tensor.data)};
  }
  process.stdout.write(JSON.stringify({outputs}) + '\n');
}

main().catch((error) => {
  process.stderr.write(`onnxruntime: ${error.message}\n`);
  process.exit(1);
});
