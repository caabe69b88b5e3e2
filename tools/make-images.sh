#!/bin/sh
# Regenerates the README's pictures in tools/images/: diagrams of the graph
# files in tools/graphs/ and of a generated 3000-node graph, screenshots of
# the interactive views (headless Chromium), and the training report's
# charts. Needs a built dagrad (default: build/release/bin/dagrad; or pass
# its path), python3 and chromium.
set -eu
cd "$(dirname "$0")/.."
dagrad=${1:-build/release/bin/dagrad}
images=tools/images
mkdir -p "$images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The course's pipeline, with values, gradients and the backward pass.
"$dagrad" dot tools/graphs/course.json -o "$images/course.svg" --values --grads --backward
# The demo's L1/L2 losses: yhat and y feed both, the first output is L1.
"$dagrad" dot tools/graphs/losses.json -o "$images/losses.svg" --values --grads

# A generated residual network: 500 layers of h = tanh(h W + b) + h, each in
# its own cluster "layerNNN/", 6 nodes a layer: 3008 nodes in all.
python3 tools/images/residual_graph.py "$work/generated.json" 500
"$dagrad" dot "$work/generated.json" -o "$images/generated-3000.svg" --max-nodes 40

# Screenshots of pages, as a reader's browser shows them.
# screenshot PAGE.html[#fragment] OUT.png WIDTH HEIGHT
screenshot() {
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$3,$4" --virtual-time-budget=5000 --screenshot="$2" "file://$1" >/dev/null 2>&1
  rm -rf "$profile"
  test -s "$2"
}

# The interactive view of the 3000-node network: it opens collapsed; the
# link opens layer002/ and selects its tanh node.
"$dagrad" view "$work/generated.json" -o "$work/generated.html" --title "generated 3000-node residual network"
screenshot "$work/generated.html#node=layer002/tanh" "$images/view-graph.png" 1400 860

# A gradient check with a step far too coarse (--eps 0.5): the curved nodes
# fail and are drawn red; the link selects the sigmoid.
"$dagrad" gradcheck tools/graphs/course.json --eps 0.5 --html "$work/gradcheck.html" >/dev/null || true
screenshot "$work/gradcheck.html#node=s" "$images/view-gradcheck.png" 1400 760

# A training report on the spirals (three classes, two features).
"$dagrad" train --data tools/data/spirals_train.csv --test tools/data/spirals_test.csv --hidden 16 --epochs 200 \
  --report "$work/training.html" >/dev/null
for chart in loss accuracy boundary; do cp "$work/training-$chart.svg" "$images/training-$chart.svg"; done
screenshot "$work/training.html" "$images/training-report.png" 1150 1000
ls -l "$images"
