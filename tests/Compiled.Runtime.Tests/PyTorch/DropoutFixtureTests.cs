using System.Text.Json;
using Compiled.Kernels;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// DropoutKernels (element and channel dropout) against ATen's dropout arithmetic with a mask fixed by the fixture script
/// (dropout.json): y = x·(keep/(1 − p)), dx = dy·(keep/(1 − p)). PyTorch's own random draws cannot be reproduced, so the mask
/// is the input here; the kernels' own masks are checked in DropoutKernelTests.
/// </summary>
public sealed class DropoutFixtureTests
{
    // One multiplication by 1/(1 − p), which ATen and the kernel may round an ulp apart.
    private const double Rel = 2.5e-7;

    public static TheoryData<string, VectorWidth> Cases => Fixtures.CasesAtEveryWidth("dropout.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dropout_with_a_fixed_mask_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case("dropout.json", name);
        JsonElement k = c.Config();
        double p = k.GetProperty("p").GetDouble();
        bool channel = k.GetProperty("channel").GetBoolean();
        int n = k.Int("batch"), channels = k.Int("channels"), spatial = k.Int("spatial");
        float[] x = c.Floats("x"), dy = c.Floats("dy"), keep = c.Floats("keep");
        float[] mask = new float[keep.Length], y = new float[x.Length], dx = new float[x.Length];
        float scale = (float)(1.0 / (1.0 - p));
        int dropped = 0;
        for (int i = 0; i < keep.Length; i++)
        {
            mask[i] = keep[i] * scale;
            if (keep[i] == 0) dropped++;
        }
        Assert.True(dropped > 0 && dropped < keep.Length, $"{name}: the fixed mask should drop some elements and keep others.");

        if (channel)
        {
            Assert.Equal(n * channels, mask.Length);
            DropoutKernels.ChannelForward(x, mask, y, n, channels, spatial, width);
            DropoutKernels.ChannelBackward(dy, mask, dx, n, channels, spatial, accumulate: false, width);
        }
        else
        {
            Assert.Equal(x.Length, mask.Length);
            DropoutKernels.Forward(x, mask, y, width);
            DropoutKernels.Backward(dy, mask, dx, accumulate: false, width);
        }
        Tolerance.AssertClose(c.Floats("y"), y, 0, Rel, $"{name} y at {width}");
        Tolerance.AssertClose(c.Floats("dx"), dx, 0, Rel, $"{name} dx at {width}");
    }
}
