using System;
using System.Text.Json;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>
/// Residual and concatenation forward and backward, as the join kernels compose them, against PyTorch (joins.json) at
/// every width, and the double twins: a residual block whose input forks into both paths (its gradients summed with
/// <see cref="JoinKernels.AddInto(Span{float}, ReadOnlySpan{float}, VectorWidth)"/>), branches of different channel
/// counts written into one concatenated buffer in place, and branches that read one input (gradients accumulated from
/// strided rows).
/// </summary>
public sealed class JoinFixtureTests
{
    private const string File = "joins.json";

    public static TheoryData<string, VectorWidth> Residual => Fixtures.CasesAtEveryWidth(File, c => c.GetProperty("name").GetString()!.StartsWith("residual", StringComparison.Ordinal));
    public static TheoryData<string, VectorWidth> Concat => Fixtures.CasesAtEveryWidth(File, c => c.GetProperty("name").GetString()!.StartsWith("concat_", StringComparison.Ordinal) && !IsFork(c));
    public static TheoryData<string, VectorWidth> ConcatFork => Fixtures.CasesAtEveryWidth(File, IsFork);

    private static bool IsFork(JsonElement c) => c.GetProperty("name").GetString()!.StartsWith("concat_fork", StringComparison.Ordinal);

    // PyTorch in float64, rounded once; one or two float32 roundings per element here.
    private const double Abs = 1e-6, Rel = 1e-6;

    [Theory]
    [MemberData(nameof(Residual))]
    public void Residual_block_matches_pytorch(string name, VectorWidth width)
    {
        JsonElement c = Fixtures.Case(File, name);
        float[] x = c.Floats("x"), scale = c.Floats("scale"), shift = c.Floats("shift"), dy = c.Floats("dy");
        int count = x.Length;

        // Forward: h = x·scale + shift (the "layer"), r = relu(h), y = relu(x + r).
        float[] h = new float[count], r = new float[count], y = new float[count];
        for (int i = 0; i < count; i++) h[i] = x[i] * scale[i] + shift[i];
        ActivationKernels.Relu(h, r, width);
        JoinKernels.Add(x, r, y, width);
        ActivationKernels.Relu(y, y, width);
        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");

        // Backward: ds reaches the shortcut unchanged (dx = ds) and the layer; the fork sums both.
        float[] ds = new float[count], dh = new float[count];
        ActivationKernels.ReluBackward(y, dy, ds, width);
        float[] dx = (float[])ds.Clone();
        ActivationKernels.ReluBackward(r, ds, dh, width);
        for (int i = 0; i < count; i++) dh[i] *= scale[i];
        JoinKernels.AddInto(dx, dh, width);
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");

        if (width != VectorWidth.Scalar) return;
        // The double twins.
        double[] wx = TestValues.Wide(x), wh = new double[count], wr = new double[count], wy = new double[count];
        for (int i = 0; i < count; i++) wh[i] = wx[i] * scale[i] + shift[i];
        JoinReference.Relu<double>(wh, wr, 1, count, count, count);
        JoinReference.Add<double>(wx, wr, wy);
        JoinReference.Relu<double>(wy, wy, 1, count, count, count);
        Tolerance.AssertClose(c.Floats("y"), wy, 1e-7, 1e-6, $"{name} y (double twin)");
        double[] wds = new double[count], wdh = new double[count];
        JoinReference.ReluBackward<double>(wy, TestValues.Wide(dy), wds, 1, count, count, count, count, accumulate: false);
        double[] wdx = (double[])wds.Clone();
        JoinReference.ReluBackward<double>(wr, wds, wdh, 1, count, count, count, count, accumulate: false);
        for (int i = 0; i < count; i++) wdh[i] *= scale[i];
        JoinReference.AddInto<double>(wdx, wdh);
        Tolerance.AssertClose(c.Floats("dx"), wdx, 1e-7, 1e-6, $"{name} dx (double twin)");
    }

    [Theory]
    [MemberData(nameof(Concat))]
    public void Concatenated_branches_match_pytorch(string name, VectorWidth width)
    {
        // y = cat([relu(x0), x1, relu(x2)], dim=1): each branch writes its rows of c_i·S into y's rows of ΣC·S.
        JsonElement c = Fixtures.Case(File, name);
        JsonElement k = c.Config();
        int n = k.Int("batch"), spatial = k.Int("spatial");
        var channels = new int[k.GetProperty("channels").GetArrayLength()];
        int index = 0;
        foreach (JsonElement v in k.GetProperty("channels").EnumerateArray()) channels[index++] = v.GetInt32();
        int wide = 0;
        foreach (int ch in channels) wide += ch * spatial;
        float[] y = new float[n * wide], dy = c.Floats("dy");
        int offset = 0;
        for (int b = 0; b < channels.Length; b++)
        {
            int row = channels[b] * spatial;
            float[] x = c.Floats($"x{b}");
            if (b == 1) StridedRows.Copy(x, row, y.AsSpan(offset), wide, n, row);
            else ActivationKernels.Relu(x, y.AsSpan(offset), n, row, row, wide, width);
            offset += row;
        }
        Tolerance.AssertClose(c.Floats("y"), y, Abs, Rel, $"{name} y at {width}");

        offset = 0;
        for (int b = 0; b < channels.Length; b++)
        {
            int row = channels[b] * spatial;
            float[] dx = new float[n * row];
            if (b == 1) StridedRows.Copy(dy.AsSpan(offset), wide, dx, row, n, row);
            else ActivationKernels.ReluBackward(y.AsSpan(offset), dy.AsSpan(offset), dx, n, row, wide, wide, row, accumulate: false, width);
            Tolerance.AssertClose(c.Floats($"dx{b}"), dx, 0, 0, $"{name} dx{b} at {width}");   // a selection: exact

            double[] wdx = new double[n * row];
            if (b == 1) JoinReference.CopyRows<double>(TestValues.Wide(dy).AsSpan(offset), wide, wdx, row, n, row, accumulate: false);
            else JoinReference.ReluBackward<double>(TestValues.Wide(y).AsSpan(offset), TestValues.Wide(dy).AsSpan(offset), wdx, n, row, wide, wide, row, accumulate: false);
            Tolerance.AssertClose(c.Floats($"dx{b}"), wdx, 0, 0, $"{name} dx{b} (double twin)");
            offset += row;
        }
    }

    [Theory]
    [MemberData(nameof(ConcatFork))]
    public void Branches_reading_one_input_sum_their_gradients(string name, VectorWidth width)
    {
        // y = cat([relu(x), x, relu(−x)], dim=1); dx = relu'(x)·dy0 + dy1 − relu'(−x)·dy2.
        JsonElement c = Fixtures.Case(File, name);
        JsonElement k = c.Config();
        int n = k.Int("batch"), row = k.Int("channels") * k.Int("spatial"), wide = 3 * row;
        float[] x = c.Floats("x"), dy = c.Floats("dy"), y = new float[n * wide];
        float[] negative = new float[x.Length];
        for (int i = 0; i < x.Length; i++) negative[i] = -x[i];
        ActivationKernels.Relu(x, y, n, row, row, wide, width);
        StridedRows.Copy(x, row, y.AsSpan(row), wide, n, row);
        ActivationKernels.Relu(negative, y.AsSpan(2 * row), n, row, row, wide, width);
        Tolerance.AssertClose(c.Floats("y"), y, 0, 0, $"{name} y at {width}");

        float[] dx = new float[x.Length], dNegative = new float[x.Length];
        ActivationKernels.ReluBackward(y, dy, dx, n, row, wide, wide, row, accumulate: false, width);
        StridedRows.Add(dy.AsSpan(row), wide, dx, row, n, row, width);
        ActivationKernels.ReluBackward(y.AsSpan(2 * row), dy.AsSpan(2 * row), dNegative, n, row, wide, wide, row, accumulate: false, width);
        VectorOps.AddScaled(dNegative, -1f, dx, width);
        Tolerance.AssertClose(c.Floats("dx"), dx, Abs, Rel, $"{name} dx at {width}");

        // The accumulating strided ReLU gives the same sum in another order: relu'(x)·dy0 added onto dy1.
        float[] dx2 = new float[x.Length];
        StridedRows.Copy(dy.AsSpan(row), wide, dx2, row, n, row);
        ActivationKernels.ReluBackward(y, dy, dx2, n, row, wide, wide, row, accumulate: true, width);
        VectorOps.AddScaled(dNegative, -1f, dx2, width);
        Tolerance.AssertClose(c.Floats("dx"), dx2, Abs, Rel, $"{name} dx (accumulated) at {width}");
    }
}
