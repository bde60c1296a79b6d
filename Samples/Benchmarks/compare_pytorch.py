#!/usr/bin/env python3
"""Trains the sample's LeNet-5 and MLP in PyTorch on the same MNIST files, with the same batch size, optimizer
(SGD with momentum), learning rate, normalization and thread count as compiled-mnist, and compares the epoch times
with the JSON lines compiled-mnist printed (run-vs-pytorch.sh runs both).

    compare_pytorch.py --ours lenet5=ours-lenet5.json --ours mlp=ours-mlp.json [--epochs 1] [--batch 64] [--lr 0.01]

Needs Debian's python3-torch (run-vs-pytorch.sh installs it). Prints one line per model and a JSON line per model.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path, expected_magic):
    """An unsigned-byte IDX file (plain or gzipped) as a numpy array, with the header checked like the C# reader does."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} bytes, expected an IDX header")
    magic = struct.unpack(">i", data[:4])[0]
    if magic != expected_magic:
        raise ValueError(f"{path}: expected magic 0x{expected_magic:08X}, found 0x{magic:08X}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    payload = data[4 + 4 * ndim:]
    if len(payload) != int(np.prod(dims)):
        raise ValueError(f"{path}: header {list(dims)} claims {int(np.prod(dims))} bytes, found {len(payload)}")
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{name} not found in {directory}; run scripts/fetch-mnist.sh {directory}")


def load_mnist(directory, limit):
    def split(prefix):
        x = read_idx(find(directory, f"{prefix}-images-idx3-ubyte"), 0x00000803)
        y = read_idx(find(directory, f"{prefix}-labels-idx1-ubyte"), 0x00000801)
        return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(y.astype(np.int64))

    train_x, train_y = split("train")
    test_x, test_y = split("t10k")
    if limit:
        train_x, train_y = train_x[:limit].clone(), train_y[:limit].clone()
    # The same normalization as compiled-mnist: the training split's mean and (population) standard deviation.
    mean = train_x.double().mean().item()
    std = train_x.double().std(unbiased=False).item()
    return (train_x - mean) / std, train_y, (test_x - mean) / std, test_y


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10))


def train_torch(model_name, data, epochs, batch, lr, momentum, seed):
    train_x, train_y, test_x, test_y = data
    torch.manual_seed(seed)
    model = lenet5() if model_name == "lenet5" else mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    n = train_x.shape[0]
    epoch_seconds = []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            x, y = train_x[idx], train_y[idx]
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - start)
    model.eval()
    correct = 0
    with torch.no_grad():
        for first in range(0, test_x.shape[0], 256):
            correct += (model(test_x[first:first + 256]).argmax(1) == test_y[first:first + 256]).sum().item()
    return epoch_seconds, correct / test_x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", action="append", default=[], metavar="MODEL=FILE",
                        help="compiled-mnist's --json line for MODEL (lenet5 or mlp)")
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    ours = {}
    for item in args.ours:
        model, _, path = item.partition("=")
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.startswith("{")]
        if not lines:
            sys.exit(f"compare_pytorch: no JSON line in {path}")
        ours[model] = json.loads(lines[-1])
    models = list(ours) or ["lenet5", "mlp"]

    data = load_mnist(args.data, args.limit)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; {data[0].shape[0]} training images, "
          f"batch {args.batch}, SGD lr {args.lr} momentum {args.momentum}, {args.epochs} epoch(s)")
    for model in models:
        seconds, accuracy = train_torch(model, data, args.epochs, args.batch, args.lr, args.momentum, args.seed)
        torch_epoch = statistics.median(seconds)
        result = {"model": model, "pytorch_seconds_per_epoch": round(torch_epoch, 4),
                  "pytorch_test_accuracy": round(accuracy, 6), "pytorch_threads": torch.get_num_threads()}
        line = f"{model:7s} PyTorch {torch_epoch:7.3f} s/epoch (test {accuracy * 100:.2f}%)"
        if model in ours:
            mine = ours[model]
            ratio = torch_epoch / mine["seconds_per_epoch"]
            result.update({"compiled_seconds_per_epoch": mine["seconds_per_epoch"],
                           "compiled_test_accuracy": mine["test_accuracy"],
                           "compiled_vector_width": mine.get("vector_width"),
                           "compiled_threads": mine.get("threads"),
                           "speedup": round(ratio, 3)})
            line += (f"   Compiled {mine['seconds_per_epoch']:7.3f} s/epoch (test {mine['test_accuracy'] * 100:.2f}%, "
                     f"width {mine.get('vector_width')}, {mine.get('threads')} threads)   ratio {ratio:.2f}x")
        print(line, flush=True)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
