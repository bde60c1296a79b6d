"""PyTorch's own float32 error in weight gradients that only batch norm's eps makes non-zero (run: /usr/bin/python3 batchnorm_scalar_input.py).

Evidence for the open finding of seed 19's N140 in a 1500-network run, shrunk to [Input(1)] [Dense(3)] [Dense(2), BatchNorm,
BatchNorm(Momentum = 0.3)] [SoftmaxCrossEntropy] at batch 3: the library's dfc1.weight[0] was 2.45e-4 against the double
reference's 9.6e-5 (batch norm kappa 29). With one input feature, both channels entering the first batch norm are affine in
the same scalar, so in exact arithmetic the normalized output depends on the Dense weights only through eps: every weight
gradient is an eps effect, tiny against the terms it is computed from. PyTorch float32 against float64 on 300 draws, the
weights and the batch norms drawn as in bias_cancellation.py, the input at its usual scale and then scaled down so that a
channel's variance nears eps (kappa 10-200, as in N140): float32's error is many times the true gradient in both regimes.
Output of torch 1.13.1 (Debian) is in batchnorm_scalar_input.txt.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def kappa(z):
    return (z.abs().amax(0) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)).max().item()


def draws(small):
    rows = []
    for seed in range(300):
        torch.manual_seed(seed)  # the Dense layers' default initialization
        g = torch.Generator().manual_seed(seed)
        fc1, fc2 = nn.Linear(1, 3).double(), nn.Linear(3, 2).double()
        bn1, bn2 = nn.BatchNorm1d(2).double(), nn.BatchNorm1d(2, momentum=0.3).double()
        with torch.no_grad():
            for bn in (bn1, bn2):
                bn.weight.copy_(0.5 + torch.rand(2, generator=g, dtype=torch.float64))
                bn.bias.copy_(torch.rand(2, generator=g, dtype=torch.float64) - 0.5)
        x = torch.randn(3, 1, generator=g, dtype=torch.float64)
        if small:
            x = x * 10 ** -(1 + 2 * torch.rand(1, generator=g, dtype=torch.float64))
        x = x.float().double()
        y = torch.randint(0, 2, (3,), generator=g)
        result = {}
        for dtype in (torch.float64, torch.float32):
            layers = [nn.Linear(1, 3), nn.Linear(3, 2), nn.BatchNorm1d(2), nn.BatchNorm1d(2, momentum=0.3)]
            for copy, source in zip(layers, (fc1, fc2, bn1, bn2)):
                copy.load_state_dict(source.state_dict())
            a, b, c, d = [layer.to(dtype).train() for layer in layers]
            z = b(a(x.to(dtype)))
            F.cross_entropy(d(c(z)), y).backward()
            result[dtype] = (a.weight.grad.double().flatten(), b.weight.grad.double().flatten(), kappa(z.detach().double()))
        for layer in (0, 1):
            g64, g32 = result[torch.float64][layer], result[torch.float32][layer]
            error = (g32 - g64).abs().max().item()
            largest = g64.abs().max().item()
            rows.append((error / max(largest, 1e-30), error, largest, result[torch.float64][2], layer + 1))
    return sorted(rows)


def main():
    for small, title in ((False, "input at its usual scale"), (True, "input scaled by 10^-U(1, 3): a channel's variance near eps")):
        rows = draws(small)
        print(f"fc1 and fc2 weight gradients, float32 against float64, 300 draws, {title}; the 8 worst:")
        print("  error/max|g|      error     max|g|    kappa  layer")
        for relative, error, largest, k, layer in rows[-8:]:
            print(f"  {relative:12.2e}  {error:9.2e}  {largest:9.2e}  {k:7.1f}  fc{layer}")
        print(f"gradients whose float32 error exceeds 10% of their largest entry: {sum(1 for r in rows if r[0] > 0.1)} of {len(rows)}")
        print()


if __name__ == "__main__":
    main()
