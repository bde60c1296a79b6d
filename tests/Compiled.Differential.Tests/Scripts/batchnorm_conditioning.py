"""PyTorch's own float32 error behind an ill-conditioned training-mode batch norm (run: /usr/bin/python3 batchnorm_conditioning.py).

Evidence for NetworkChecker's conditioning rule (tolerances times max(1, kappa/10), kappa = max|x|/sqrt(var + eps) over the
batch norm's channels): float32 results there differ from exact ones by about kappa times more than elsewhere, in PyTorch
too, so a float32 implementation cannot be held to the base tolerances. Two architectures of seed 7's 3000-network run:

- N2996: residual dense blocks over one input feature at batch 3, a sigmoid into BatchNorm1d. The library's gradient of
  layer2.1.downsample.0.bias was 0.3% of its largest entry off the double reference (kappa 262, every width and thread
  count, different entries); PyTorch float32 against float64 below: 0.02% to 0.5% at kappa 102 to 264. Not a bug.
- N2800: a zero-initialized Conv2d (a constant channel) into BatchNorm2d at batch 1 (kappa up to max|bias|/sqrt(eps)).
  PyTorch float32 below: 1e-5 to 2e-5 of max|y|; the library's scalar width was 2.6e-4 (1.3e-4 at outputs up to 0.5),
  about 15 times worse: its slice mean is a plain float sum (sequential at the scalar width), whose few-ulp error
  the batch norm multiplies by 1/sqrt(eps). Within the conditioning rule, but an accuracy gap that the corrected two-pass
  mean (m + sum(x - m)/N, a third pass) or double sums would close.

Same architectures, PyTorch's default initialization with biases U(-0.5, 0.5) and gamma U(0.5, 1.5) as the checker sets
them; not the same numbers as the library's run. Output of torch 1.13.1 (Debian) is in batchnorm_conditioning.txt.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class Block1(nn.Module):  # [Dense(100)] [Dense(64)] [Shortcut(When = ShapeChanges), Dense(64)] [Residual]
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.down = nn.Linear(130, 100), nn.Linear(100, 64), nn.Linear(130, 64)

    def forward(self, x):
        return self.fc2(self.fc1(x)) + self.down(x)


class Block2(nn.Module):  # [LeakyReLU] [ELU(1f)] [Shortcut, Dense(64)] [Residual, Sigmoid]
    def __init__(self):
        super().__init__()
        self.down = nn.Linear(64, 64)

    def forward(self, x):
        return torch.sigmoid(F.elu(F.leaky_relu(x, 0.01), 1.0) + self.down(x))


class N2996(nn.Module):  # [Input(1)] [Dense(130, Bias = false)] layer1 layer2 (x2) [BatchNorm(Momentum = 0.01)] [Dense(8)]
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 130, bias=False)
        self.layer1, self.layer2_0, self.layer2_1 = Block1(), Block2(), Block2()
        self.bn = nn.BatchNorm1d(64, momentum=0.01)
        self.mixer = nn.Linear(64, 8)

    def forward(self, x):
        self.z = self.layer2_1(self.layer2_0(self.layer1(self.fc1(x))))
        return self.mixer(self.bn(self.z))


def kappa(z, dims):
    return (z.abs().amax(dims) / torch.sqrt(z.var(dims, unbiased=False) + 1e-5)).max().item()


def checker_values(net, generator):
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("bias") and not name.startswith("bn"):
                p.copy_(torch.rand(p.shape, generator=generator, dtype=torch.float64) - 0.5)
            if name.startswith("bn") and name.endswith("weight"):
                p.copy_(0.5 + torch.rand(p.shape, generator=generator, dtype=torch.float64))


def n2996():
    print("N2996: layer2.1.downsample.0.bias, max|g32 - g64| / max|g64|, batch 3")
    rows = []
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        reference = N2996().double()
        checker_values(reference, g)
        x = torch.randn(3, 1, generator=g, dtype=torch.float64) * (6 if seed % 3 == 0 else 1)
        y = torch.randint(0, 8, (3,), generator=g)
        grads, k = {}, 0.0
        for dtype in (torch.float64, torch.float32):
            net = N2996()
            net.load_state_dict({name: v.clone() for name, v in reference.state_dict().items()})
            net = net.to(dtype).train()
            F.cross_entropy(net(x.to(dtype)), y).backward()
            grads[dtype] = net.layer2_1.down.bias.grad.double()
            if dtype == torch.float64:
                k = kappa(net.z.detach(), 0)
        error = (grads[torch.float32] - grads[torch.float64]).abs().max().item() / grads[torch.float64].abs().max().item()
        rows.append((k, error))
    for k, error in sorted(rows):
        print(f"  kappa {k:7.1f}  relative error {error:.2e}")


def n2800():
    print("N2800: zero-initialized Conv2d(3, 7, 3, padding=3) -> BatchNorm2d at batch 1, max|y32 - y64| / max|y64|")
    for seed in range(5):
        g = torch.Generator().manual_seed(seed)
        conv, bn = nn.Conv2d(3, 7, 3, padding=3).double(), nn.BatchNorm2d(7, momentum=0.01).double()
        with torch.no_grad():
            conv.weight.zero_()
            conv.bias.copy_(torch.rand(7, generator=g, dtype=torch.float64) - 0.5)
            bn.weight.copy_(0.5 + torch.rand(7, generator=g, dtype=torch.float64))
            bn.bias.copy_(torch.rand(7, generator=g, dtype=torch.float64) - 0.5)
        x = torch.randn(1, 3, 5, 9, generator=g, dtype=torch.float64)
        out, k = {}, 0.0
        for dtype in (torch.float64, torch.float32):
            c, b = nn.Conv2d(3, 7, 3, padding=3), nn.BatchNorm2d(7, momentum=0.01)
            c.load_state_dict(conv.state_dict())
            b.load_state_dict(bn.state_dict())
            c, b = c.to(dtype), b.to(dtype).train()
            z = c(x.to(dtype))
            out[dtype] = b(z).double()
            if dtype == torch.float64:
                k = kappa(z.detach().transpose(0, 1).reshape(7, -1), 1)
        error = (out[torch.float32] - out[torch.float64]).abs().max().item() / out[torch.float64].abs().max().item()
        print(f"  kappa {k:7.1f}  relative error {error:.2e}")


if __name__ == "__main__":
    n2996()
    n2800()
