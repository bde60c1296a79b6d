#!/usr/bin/env python3
"""The planned Fashion-MNIST networks (FashionVgg.cs, FashionResNet.cs with its 56-layer twins, FashionInception.cs) built in PyTorch, with
module names following docs/api.md's naming rules (top level: kind and position, conv1, bn1, fc1; [Use]: layerN.i;
inside a block: conv1, bn1 afresh; [Shortcut]: downsample.k; [Branch]: branchN.k, every layer counted).

Prints each network's state_dict (name and shape) and its parameter count; torch_state_dicts.txt is that output, which
tests/Compiled.Samples.Tests holds the generated networks' ParameterTable and StateTable against. Run:
/usr/bin/python3 Samples/FashionMnist/Models/torch_equivalents.py > Samples/FashionMnist/Models/torch_state_dicts.txt
"""
import torch
from torch import nn


def conv(cin, cout, k=3, stride=1, padding=1):
    return nn.Conv2d(cin, cout, k, stride, padding, bias=False)


class Vgg(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = conv(1, 32), nn.BatchNorm2d(32)
        self.conv2, self.bn2 = conv(32, 32), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = conv(32, 64), nn.BatchNorm2d(64)
        self.conv4, self.bn4 = conv(64, 64), nn.BatchNorm2d(64)
        self.fc1, self.bn5 = nn.Linear(3136, 256, bias=False), nn.BatchNorm1d(256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.dropout(nn.functional.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2), 0.25, self.training)
        x = torch.relu(self.bn3(self.conv3(x)))
        x = nn.functional.dropout(nn.functional.max_pool2d(torch.relu(self.bn4(self.conv4(x))), 2), 0.25, self.training)
        x = nn.functional.dropout(torch.relu(self.bn5(self.fc1(x.flatten(1)))), 0.5, self.training)
        return self.fc2(x)


class BasicBlock(nn.Module):
    """BasicBlock (shortcut=True) or PlainBlock (shortcut=False) of Blocks.cs."""

    def __init__(self, cin, channels, stride=1, shortcut=True):
        super().__init__()
        self.conv1, self.bn1 = conv(cin, channels, stride=stride), nn.BatchNorm2d(channels)
        self.conv2, self.bn2 = conv(channels, channels), nn.BatchNorm2d(channels)
        self.shortcut = shortcut
        # ShortcutWhen.ShapeChanges: the projection exists only where the main path changes the shape.
        if shortcut and (stride != 1 or cin != channels):
            self.downsample = nn.Sequential(conv(cin, channels, k=1, stride=stride, padding=0), nn.BatchNorm2d(channels))
        else:
            self.downsample = None

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        if self.shortcut:
            y = y + (self.downsample(x) if self.downsample is not None else x)
        return torch.relu(y)


class ResNet(nn.Module):
    """n blocks per stage: 6n+2 layers (n = 2: FashionResNet, ResNet-14; n = 9: FashionResNet56)."""

    def __init__(self, shortcut=True, n=2):
        super().__init__()
        self.conv1, self.bn1 = conv(1, 16), nn.BatchNorm2d(16)

        def stage(cin, channels, stride):
            return nn.Sequential(BasicBlock(cin, channels, stride, shortcut),
                                 *[BasicBlock(channels, channels, 1, shortcut) for _ in range(n - 1)])

        self.layer1 = stage(16, 16, 1)
        self.layer2 = stage(16, 32, 2)
        self.layer3 = stage(32, 64, 2)
        self.fc1 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc1(x.mean((2, 3)))


def conv_bn_relu(cin, cout, k, padding):
    return [conv(cin, cout, k=k, padding=padding), nn.BatchNorm2d(cout), nn.ReLU()]


class InceptionBlock(nn.Module):
    def __init__(self, cin, c1, c3r, c3, c5r, c5, pool):
        super().__init__()
        self.branch1 = nn.Sequential(*conv_bn_relu(cin, c1, 1, 0))
        self.branch2 = nn.Sequential(*conv_bn_relu(cin, c3r, 1, 0), *conv_bn_relu(c3r, c3, 3, 1))
        self.branch3 = nn.Sequential(*conv_bn_relu(cin, c5r, 1, 0), *conv_bn_relu(c5r, c5, 5, 2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), *conv_bn_relu(cin, pool, 1, 0))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class Inception(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = conv(1, 32), nn.BatchNorm2d(32)
        self.conv2, self.bn2 = conv(32, 64), nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(InceptionBlock(64, 32, 48, 64, 8, 16, 16))
        self.layer2 = nn.Sequential(InceptionBlock(128, 64, 64, 96, 16, 48, 32))
        self.fc1 = nn.Linear(240, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = self.layer1(torch.relu(self.bn2(self.conv2(x))))
        x = self.layer2(nn.functional.max_pool2d(x, 2))
        return self.fc1(nn.functional.dropout(x.mean((2, 3)), 0.2, self.training))


if __name__ == "__main__":
    for name, net in [("FashionVgg", Vgg()), ("FashionResNet", ResNet()), ("FashionPlain", ResNet(shortcut=False)),
                      ("FashionResNet56", ResNet(n=9)), ("FashionPlain56", ResNet(shortcut=False, n=9)),
                      ("FashionInception", Inception())]:
        net.eval()
        out = net(torch.zeros(2, 1, 28, 28))
        assert out.shape == (2, 10)
        params = sum(p.numel() for p in net.parameters())
        print(f"{name}: {params} parameters")
        for key, value in net.state_dict().items():
            print(f"  {key} {list(value.shape)}")
