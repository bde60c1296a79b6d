#!/usr/bin/env python3
"""PyTorch runner of the benchmark (run.sh calls it): trains one model for one epoch on MNIST with the same data,
normalization (the training split's mean and population standard deviation), batch, optimizer (SGD, momentum 0.9,
constant learning rate) as the other runners; reports the epoch time (shuffle, gather, forward, loss, backward, update),
test accuracy, inference images/s at batch 64 and 1 (one thread and all threads), peak resident memory; and exports the
trained model to ONNX (opset 13) for the ONNX Runtime runner. One JSON line per measurement on stdout.

    bench_pytorch.py --model mlp|lenet5 [--data data/mnist] [--limit N] [--test-limit N] [--batch 64] [--lr 0.01]
                     [--threads N] [--infer-seconds S] [--repeat R] [--seed 1] [--onnx-dir DIR]

Needs Debian's python3-torch, run with /usr/bin/python3.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path, expected_magic):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or struct.unpack(">i", data[:4])[0] != expected_magic:
        raise ValueError(f"{path}: not an IDX file with magic 0x{expected_magic:08X}")
    ndim = expected_magic & 0xFF
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


def load_mnist(directory, limit, test_limit):
    train_raw = read_idx(find(directory, "train-images-idx3-ubyte"), 0x803)
    train_lab = read_idx(find(directory, "train-labels-idx1-ubyte"), 0x801)
    test_raw = read_idx(find(directory, "t10k-images-idx3-ubyte"), 0x803)
    test_lab = read_idx(find(directory, "t10k-labels-idx1-ubyte"), 0x801)
    if limit:
        train_raw, train_lab = train_raw[:limit], train_lab[:limit]
    if test_limit:
        test_raw, test_lab = test_raw[:test_limit], test_lab[:test_limit]
    # Population standard deviation, as the C# runners; statistics in double without a float64 copy of the images, and
    # the standardization in place in float32, so the process's peak memory is not inflated by temporaries.
    mean = float(train_raw.mean(dtype=np.float64)) / 255.0
    std = float(train_raw.std(dtype=np.float64)) / 255.0

    def standardize(raw):
        x = raw.astype(np.float32)
        x /= np.float32(255.0)
        x -= np.float32(mean)
        x /= np.float32(std)
        return torch.from_numpy(x).unsqueeze(1)

    return (standardize(train_raw), torch.from_numpy(train_lab.astype(np.int64)),
            standardize(test_raw), torch.from_numpy(test_lab.astype(np.int64)))


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


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def images_per_second(test_x, batch, seconds, model):
    batches = max(1, test_x.shape[0] // batch)
    for w in range(min(batches, 5)):
        model(test_x[w * batch:(w + 1) * batch])
    images, nxt = 0, 0
    start = time.perf_counter()
    while True:
        for _ in range(8):
            model(test_x[nxt * batch:(nxt + 1) * batch])
            images += batch
            nxt = 0 if nxt + 1 == batches else nxt + 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return images / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["mlp", "lenet5"], required=True)
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--test-limit", type=int, default=0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--infer-seconds", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--onnx-dir", default="")
    args = parser.parse_args()

    def emit(metric, value, batch=None, threads=None):
        line = {"framework": "pytorch", "model": args.model, "metric": metric, "value": value, "repeat": args.repeat}
        if batch is not None:
            line["batch"] = batch
        if threads is not None:
            line["threads"] = threads
        print(json.dumps(line), flush=True)

    train_x, train_y, test_x, test_y = load_mnist(args.data, args.limit, args.test_limit)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = lenet5() if args.model == "lenet5" else mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    n = train_x.shape[0]

    model.train()
    start = time.perf_counter()
    order = torch.randperm(n, generator=generator)
    for first in range(0, n, args.batch):
        idx = order[first:first + args.batch]
        x, y = train_x[idx], train_y[idx]
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    emit("train_seconds_per_epoch", time.perf_counter() - start, args.batch, args.threads)

    model.eval()
    with torch.no_grad():
        correct = 0
        for first in range(0, test_x.shape[0], 256):
            correct += (model(test_x[first:first + 256]).argmax(1) == test_y[first:first + 256]).sum().item()
        emit("test_accuracy", correct / test_x.shape[0])
        for batch in (64, 1):
            for threads in ([1, args.threads] if args.threads > 1 else [1]):
                torch.set_num_threads(threads)
                emit("infer_images_per_second", images_per_second(test_x, batch, args.infer_seconds, model), batch, threads)
    torch.set_num_threads(args.threads)

    if args.onnx_dir:
        os.makedirs(args.onnx_dir, exist_ok=True)
        example = test_x[:1] if args.model == "lenet5" else test_x[:1].reshape(1, 784)
        export = model if args.model == "lenet5" else nn.Sequential(*list(model.children())[1:])  # MLP: input [batch, 784]
        path = os.path.join(args.onnx_dir, f"{args.model}.onnx")
        tmp = path + ".tmp"
        torch.onnx.export(export, example, tmp, opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        os.replace(tmp, path)
        print(f"bench_pytorch: exported {path}", file=sys.stderr)
    emit("peak_rss_mib", peak_rss_mib())


if __name__ == "__main__":
    main()
