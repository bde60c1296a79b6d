using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Compiled.Kernels;
using Compiled.Networks.Tests.Serialization;

namespace Compiled.Networks.Tests.Codegen;

/// <summary>
/// A residual block as the small ResNet's (3×3 convolutions of 16 channels, the Winograd layers), for <see cref="JitKernelsNet"/>.
/// </summary>
[Block("channels")]
[Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Conv2D("channels", Kernel = 3, Padding = 1, Bias = false), BatchNorm]
[Shortcut(When = ShortcutWhen.ShapeChanges)]
[Conv2D("channels", Kernel = 1, Bias = false), BatchNorm]
[Residual, ReLU]
public class JitResidualBlock;

/// <summary>
/// The layers the benchmark's networks run, small: a 3×3 layer over one channel, Winograd layers with a residual sum, a
/// strided 3×3 layer, a 5×5 grid layer, max-pooling, global average pooling and dense layers.
/// </summary>
[Network]
[Input(1, 16, 16)]
[Conv2D(16, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
[Use(typeof(JitResidualBlock), 16)]
[Conv2D(32, Kernel = 3, Stride = 2, Padding = 1), ReLU]
[Conv2D(16, Kernel = 5, Padding = 2), ReLU, MaxPool(2)]
[GlobalAvgPool, Dense(32), ReLU, Dense(10), SoftmaxCrossEntropy]
public partial class JitKernelsNet;

/// <summary>
/// The kernels' small helpers (lane operations, transform steps, taps) are marked for aggressive inlining and are written on
/// the assumption that they are inlined: a call per vector operation costs more than the operation, and a vector argument
/// passed through memory costs more still. The JIT gives up inlining, even such methods, once a method has used its inlining
/// budget (Winograd's forward with both transforms inlined did: its output transform's helpers and lane operations stayed
/// calls, and JIT builds ran VGG and the ResNet 6-8% slower than after the transforms moved into methods of their own).
/// This test runs the networks' kernels in a child process under the JIT with every method fully optimized at once
/// (<c>DOTNET_TieredCompilation=0</c>), has the JIT list the code it generates (<c>DOTNET_JitDisasm</c>), and fails if an
/// optimized method of this library calls a method marked <see cref="MethodImplOptions.AggressiveInlining"/>, or if a method
/// of the library was compiled without optimizations (too large for the JIT to optimize).
/// </summary>
public sealed class JitInliningTests
{
    public const string ChildMode = "jit-kernels";

    [Fact]
    public void No_aggressive_inlining_helper_stays_a_call_in_the_JIT_code_of_the_kernels()
    {
        string listing = Path.Combine(Path.GetTempPath(), $"compiled-jit-{Guid.NewGuid():N}.txt");
        try
        {
            var start = new ProcessStartInfo(ChildProcess.DotnetHost())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
            start.ArgumentList.Add(ChildMode);
            start.Environment["DOTNET_TieredCompilation"] = "0";
            start.Environment["DOTNET_JitStdOutFile"] = listing;
            start.Environment["DOTNET_JitDisasm"] = "*";
            using Process child = Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
            string output = child.StandardOutput.ReadToEnd(), error = child.StandardError.ReadToEnd();
            Assert.True(child.WaitForExit(120_000), "the child process did not finish in 2 minutes");
            Assert.True(child.ExitCode == 0, $"the child process failed ({child.ExitCode}): {output} {error}");
            Assert.True(File.Exists(listing), "the JIT wrote no listing (DOTNET_JitStdOutFile)");
            Assert.Contains(nameof(VectorWidth.Scalar), output);   // every width ran

            HashSet<string> inlined = AggressivelyInlined(typeof(Conv2DKernels).Assembly);
            // The names as the listing writes them: a lane operation, a transform step.
            Assert.Contains("Compiled.Kernels.Lane256:Add", inlined);
            Assert.Contains("Compiled.Kernels.WinogradF4:RowTimesA", inlined);
            (List<string> methods, List<string> violations) = Check(File.ReadLines(listing), inlined);
            // The listing covers the kernels the child ran: Winograd's forward and weight gradient among them.
            Assert.Contains(methods, m => m.StartsWith("Compiled.Kernels.WinogradF4:Run", StringComparison.Ordinal));
            Assert.Contains(methods, m => m.StartsWith("Compiled.Kernels.WinogradWeightGradient:Run", StringComparison.Ordinal));
            Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations.Take(40)));
        }
        finally
        {
            File.Delete(listing);
        }
    }

    /// <summary>
    /// The child: a few training steps and predictions of <see cref="JitKernelsNet"/> on two threads at every vector width
    /// this CPU runs (each width's kernels are their own instantiations, compiled separately); prints the widths.
    /// </summary>
    public static int RunChild()
    {
        const int batch = 8;
        float[] input = Smoke.SmokeData.Inputs(batch * JitKernelsNet.InputLength, seed: 5);
        int[] labels = Smoke.SmokeData.Labels(batch, 10, seed: 6);
        var output = new float[batch * JitKernelsNet.OutputLength];
        foreach (VectorWidth width in new[] { VectorWidth.V512, VectorWidth.V256, VectorWidth.V128, VectorWidth.Scalar })
        {
            if (!Simd.IsAccelerated(width)) continue;
            Simd.Width = width;
            var network = new JitKernelsNet(2);
            network.Initialize(1);
            for (int i = 0; i < 2; i++)
            {
                network.TrainStep(input, labels, batch);
                network.Predict(input, output, batch);
                network.Predict(input.AsSpan(0, JitKernelsNet.InputLength), output.AsSpan(0, JitKernelsNet.OutputLength), 1);
            }
            Console.WriteLine(width);
        }
        return 0;
    }

    /// <summary>
    /// "Namespace.Type:Method" (nested types as Outer+Inner) of every method of <paramref name="assembly"/> marked
    /// AggressiveInlining, and of every method of a lane type (an <c>ILane&lt;T&gt;</c>: one vector operation each, too small
    /// to be marked, inlined by their size unless the budget is gone).
    /// </summary>
    private static HashSet<string> AggressivelyInlined(Assembly assembly)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        Type lane = assembly.GetType("Compiled.Kernels.ILane`1", throwOnError: true)!;
        foreach (Type type in assembly.GetTypes())
        {
            bool isLane = type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == lane);
            foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (isLane || (method.MethodImplementationFlags & MethodImplAttributes.AggressiveInlining) != 0) names.Add(type.FullName + ":" + method.Name);
            }
        }
        return names;
    }

    /// <summary>
    /// The library's methods in the listing, and its problems: an optimized method of the library that calls one of
    /// <paramref name="inlined"/>, a method of the library compiled without optimizations.
    /// </summary>
    private static (List<string> Methods, List<string> Violations) Check(IEnumerable<string> lines, HashSet<string> inlined)
    {
        const string header = "; Assembly listing for method ";
        var methods = new List<string>();
        var violations = new List<string>();
        string? current = null;
        foreach (string line in lines)
        {
            if (line.StartsWith(header, StringComparison.Ordinal))
            {
                string method = line.Substring(header.Length);
                current = method.StartsWith("Compiled.", StringComparison.Ordinal) ? method : null;
                if (current is null) continue;
                methods.Add(current);
                if (!method.TrimEnd().EndsWith("(FullOpts)", StringComparison.Ordinal)) violations.Add($"{Shorten(current)}: not fully optimized");
                continue;
            }
            if (current is null) continue;
            int call = line.IndexOf("call ", StringComparison.Ordinal);
            int open = call < 0 ? -1 : line.IndexOf('[', call);
            if (open < 0) continue;
            string target = Key(line.Substring(open + 1));
            if (inlined.Contains(target)) violations.Add($"{Shorten(current)} calls {target}");
        }
        return (methods, violations);
    }

    /// <summary>"Namespace.Type:Method" of a call target as the JIT lists it ("Ns.Type`1[args]:Method[args](params):ret]").</summary>
    internal static string Key(string target)
    {
        var type = new StringBuilder();
        int depth = 0, i = 0;
        for (; i < target.Length; i++)
        {
            char c = target[i];
            if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (c == ':' && depth == 0) break;
            else if (depth == 0) type.Append(c);
        }
        int end = i + 1;
        while (end < target.Length && target[end] != '[' && target[end] != '(' && target[end] != ']') end++;
        return i >= target.Length ? type.ToString() : type + ":" + target.Substring(i + 1, end - i - 1);
    }

    private static string Shorten(string method) => method.Length > 160 ? method.Substring(0, 160) + "…" : method;
}
