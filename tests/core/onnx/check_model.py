"""The ONNX project's own checker on exported models: `python3 check_model.py MODEL.onnx...`.

full_check also runs strict shape inference, so a model whose declared and
inferred types or shapes disagree fails here. Prints one line per model;
exits 1 at the first model the checker rejects.
"""
import sys

import onnx


def main(paths):
    for path in paths:
        model = onnx.load(path)
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as error:  # the checker raises ValidationError and InferenceError
            print(f"{path}: rejected by onnx.checker: {error}")
            return 1
        print(f"{path}: valid ONNX (ir_version {model.ir_version}, opset {model.opset_import[0].version})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
