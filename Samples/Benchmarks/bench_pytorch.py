#!/usr/bin/env python3
"""PyTorch runner of the benchmark (run.sh calls it): trains one model for one epoch (MLP and LeNet-5 on MNIST, the
VGG-style net and the small ResNet on Fashion-MNIST; --data names the directory) with the same data, normalization (the
training split's mean and population standard deviation), batch, optimizer (SGD, momentum 0.9, constant learning rate)
as the other runners; reports the epoch time (shuffle, gather, forward, loss, backward, update), time to first batch
(process start to the end of the first optimizer step), test accuracy, inference images/s at batch 64 and 1 (one thread
and all threads), peak resident memory, and the multiply-adds per image its Conv2d and Linear modules perform (counted
from the shapes they see, which the report holds against its own count); and exports the trained model to ONNX
(opset 13) for the ONNX Runtime runner. One JSON line per measurement on stdout.

    bench_pytorch.py --model mlp|lenet5|vgg|resnet [--data data/mnist] [--limit N] [--test-limit N] [--batch 64]
                     [--lr 0.01] [--threads N] [--infer-seconds S] [--repeat R] [--seed 1] [--onnx-dir DIR]

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
    raise FileNotFoundError(f"{name} not found in {directory} (scripts/fetch-mnist.sh or scripts/fetch-fashion-mnist.sh "
                            f"puts MNIST or Fashion-MNIST there)")


def load_images(directory, limit, test_limit):
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


def vgg():
    """VGG-style, as issue 9 states it: 3x3 convolutions 32-32-pool-64-64-pool, dense 256, dense 10; ReLU after every
    convolution and the hidden dense layer; no batch norm, no dropout (the issue names none)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 256), nn.ReLU(),
        nn.Linear(256, 10))


class BasicBlock(nn.Module):
    """ResNet's basic block (torchvision's BasicBlock): conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut (the identity, or a
    1x1 convolution with batch norm where stride or channels change the shape), then ReLU."""

    def __init__(self, cin, channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = None
        if stride != 1 or cin != channels:
            self.downsample = nn.Sequential(nn.Conv2d(cin, channels, 1, stride, 0, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """The small ResNet of the deep-CNN issue (Samples/FashionMnist's FashionResNet, ResNet-14): a 3x3 stem with 16
    channels, batch norm and ReLU; three stages of two basic blocks with 16, 32 and 64 channels (the second and third
    start at stride 2); global average pooling; dense 10. 174 970 parameters."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32))
        self.layer3 = nn.Sequential(BasicBlock(32, 64, 2), BasicBlock(64, 64))
        self.fc1 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc1(x.mean((2, 3)))


MODELS = {"mlp": mlp, "lenet5": lenet5, "vgg": vgg, "resnet": ResNet}


def forward_macs_per_image(model, example):
    """Multiply-adds of one image's forward pass through the Conv2d and Linear modules, from the shapes they see."""
    macs = []

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs.append(output[0].numel() * (module.in_channels // module.groups) * kh * kw)
        else:
            macs.append(module.in_features * module.out_features)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for h in handles:
            h.remove()
    return sum(macs)


def seconds_since_process_start():
    """Seconds since this process started (its start time in /proc/self/stat, in clock ticks since boot)."""
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    start = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 (starttime); fields[0] is field 3
    return time.clock_gettime(time.CLOCK_BOOTTIME) - start


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def images_per_second(test_x, batch, seconds, model):
    """Images per second over at least `seconds` after a warm-up as long (at least five calls), as the .NET runners'
    InferenceTimer (Shared/BenchCommon.cs) measures: the steady state."""
    batches = max(1, test_x.shape[0] // batch)
    nxt, calls = 0, 0
    warm = time.perf_counter()
    while calls < 5 or time.perf_counter() - warm < seconds:
        model(test_x[nxt * batch:(nxt + 1) * batch])
        nxt = 0 if nxt + 1 == batches else nxt + 1
        calls += 1
    images = 0
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
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
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

    train_x, train_y, test_x, test_y = load_images(args.data, args.limit, args.test_limit)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = MODELS[args.model]()
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
        if first == 0:
            first_batch = seconds_since_process_start()
    seconds = time.perf_counter() - start
    emit("first_batch_seconds", first_batch)
    emit("train_images", n)
    emit("train_seconds_per_epoch", seconds, args.batch, args.threads)

    model.eval()
    emit("forward_macs_per_image", forward_macs_per_image(model, test_x[:1]))
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
        example = test_x[:1] if args.model != "mlp" else test_x[:1].reshape(1, 784)
        export = model if args.model != "mlp" else nn.Sequential(*list(model.children())[1:])  # MLP: input [batch, 784]
        path = os.path.join(args.onnx_dir, f"{args.model}.onnx")
        tmp = path + ".tmp"
        torch.onnx.export(export, example, tmp, opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        os.replace(tmp, path)
        print(f"bench_pytorch: exported {path}", file=sys.stderr)
    emit("peak_rss_mib", peak_rss_mib())


if __name__ == "__main__":
    main()
