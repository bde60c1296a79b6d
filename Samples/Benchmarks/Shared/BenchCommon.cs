// Shared by the benchmark's C# runners (this library, TorchSharp, ONNX Runtime), compiled into each of them:
// the command line every runner takes, the models' names and input shapes, IDX loading (MNIST and Fashion-MNIST share
// the format) with the one normalization all runners use, and the JSON lines they print. Kept free of any framework so
// each runner measures only its own framework.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace Compiled.Benchmarks;

/// <summary>The benchmark's models: their names on the command line and in the JSON lines, and what they read.</summary>
public static class BenchModels
{
    /// <summary>MLP 784-128-64-10 and LeNet-5 (MNIST), the VGG-style net and the small ResNet (Fashion-MNIST), in table order.</summary>
    public static readonly string[] All = ["mlp", "lenet5", "vgg", "resnet"];

    /// <summary>One sample's input shape: the MLP reads flat rows of 784 pixels, the CNNs [1, 28, 28] images.</summary>
    public static long[] SampleShape(string model) => model == "mlp" ? [784] : [1, 28, 28];
}

/// <summary>The options every runner takes: <c>--name value</c> pairs; unknown names are an error.</summary>
public sealed class RunnerOptions
{
    /// <summary>The model (<see cref="BenchModels.All"/>); "machine" for measurements of the machine itself (the FMA probe).</summary>
    public string Model { get; internal set; } = "mlp";
    public string Data { get; private set; } = "data/mnist";
    public int Limit { get; private set; }
    public int TestLimit { get; private set; }
    public int Batch { get; private set; } = 64;
    public float LearningRate { get; private set; } = 0.01f;
    public float Momentum { get; private set; } = 0.9f;
    public int Threads { get; private set; } = Environment.ProcessorCount;
    public double InferSeconds { get; private set; } = 0.5;
    public int Repeat { get; private set; } = 1;
    public int Seed { get; private set; } = 1;
    public string Framework { get; private set; } = "";
    public string OnnxDirectory { get; private set; } = "artifacts/bench/onnx";
    /// <summary>
    /// <c>--train-only</c>: train the epoch and report only its time (run.sh --scaling runs our runner so at one thread,
    /// for the thread-scaling figure); no test pass, inference timings or memory figure.
    /// </summary>
    public bool TrainOnly { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static RunnerOptions Parse(string[] args, string defaultFramework)
    {
        var o = new RunnerOptions { Framework = defaultFramework };
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--train-only") { o.TrainOnly = true; continue; }
            if (i + 1 >= args.Length) throw new ArgumentException($"option {name} needs a value");
            string v = args[++i];
            switch (name)
            {
                case "--model":
                    o.Model = Array.IndexOf(BenchModels.All, v) >= 0 ? v : throw new ArgumentException($"--model {v}: expected one of {string.Join(", ", BenchModels.All)}");
                    break;
                case "--data": o.Data = v; break;
                case "--limit": o.Limit = Int(name, v); break;
                case "--test-limit": o.TestLimit = Int(name, v); break;
                case "--batch": o.Batch = Int(name, v); break;
                case "--lr": o.LearningRate = float.Parse(v, CultureInfo.InvariantCulture); break;
                case "--momentum": o.Momentum = float.Parse(v, CultureInfo.InvariantCulture); break;
                case "--threads": o.Threads = Int(name, v); break;
                case "--infer-seconds": o.InferSeconds = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--repeat": o.Repeat = Int(name, v); break;
                case "--seed": o.Seed = Int(name, v); break;
                case "--framework": o.Framework = v; break;
                case "--onnx-dir": o.OnnxDirectory = v; break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        return o;
    }

    private static int Int(string name, string v) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x >= 0
            ? x : throw new ArgumentException($"{name} {v}: expected a non-negative integer");
}

/// <summary>
/// MNIST or Fashion-MNIST (the same IDX files, 28x28 grayscale, ten classes) as float pixels standardized with the
/// training split's mean and population standard deviation.
/// </summary>
public sealed class ImageData
{
    public required float[] TrainImages { get; init; }
    public required int[] TrainLabels { get; init; }
    public required float[] TestImages { get; init; }
    public required int[] TestLabels { get; init; }
    public int TrainCount => TrainLabels.Length;
    public int TestCount => TestLabels.Length;
    public const int Pixels = 784;

    /// <summary>Loads the IDX files (plain or .gz) in <paramref name="directory"/>; 0 limits mean all images.</summary>
    public static ImageData Load(string directory, int trainLimit, int testLimit, bool needTrain = true)
    {
        // The statistics always come from the (limited) training split, so every runner standardizes identically.
        byte[] trainX = ReadIdx(Find(directory, "train-images-idx3-ubyte"), 0x803);
        int trainN = trainX.Length / Pixels;
        if (trainLimit > 0 && trainLimit < trainN) trainN = trainLimit;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < trainN * Pixels; i++) { double p = trainX[i] / 255.0; sum += p; sumSq += p * p; }
        double mean = sum / (trainN * Pixels);
        double std = Math.Sqrt(Math.Max(sumSq / (trainN * Pixels) - mean * mean, 1e-12));
        float[] trainImages = needTrain ? Standardize(trainX, trainN, mean, std) : [];
        int[] trainLabels = needTrain ? Labels(ReadIdx(Find(directory, "train-labels-idx1-ubyte"), 0x801), trainN) : [];

        byte[] testX = ReadIdx(Find(directory, "t10k-images-idx3-ubyte"), 0x803);
        int testN = testX.Length / Pixels;
        if (testLimit > 0 && testLimit < testN) testN = testLimit;
        return new ImageData
        {
            TrainImages = trainImages,
            TrainLabels = trainLabels,
            TestImages = Standardize(testX, testN, mean, std),
            TestLabels = Labels(ReadIdx(Find(directory, "t10k-labels-idx1-ubyte"), 0x801), testN),
        };
    }

    private static float[] Standardize(byte[] raw, int count, double mean, double std)
    {
        var x = new float[count * Pixels];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((raw[i] / 255.0 - mean) / std);
        return x;
    }

    private static int[] Labels(byte[] raw, int count)
    {
        if (raw.Length < count) throw new InvalidDataException($"{raw.Length} labels for {count} images");
        var y = new int[count];
        for (int i = 0; i < count; i++) y[i] = raw[i];
        return y;
    }

    private static string Find(string directory, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"{name} not found in {directory} (scripts/fetch-mnist.sh or scripts/fetch-fashion-mnist.sh puts MNIST or Fashion-MNIST there)");
    }

    private static byte[] ReadIdx(string path, int magic)
    {
        byte[] data;
        using (Stream file = File.OpenRead(path))
        using (Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file)
        using (var m = new MemoryStream())
        {
            s.CopyTo(m);
            data = m.ToArray();
        }
        if (data.Length < 4 || BinaryPrimitives.ReadInt32BigEndian(data) != magic)
            throw new InvalidDataException($"{path}: not an IDX file with magic 0x{magic:X8}");
        int dims = magic & 0xFF;
        long count = 1;
        for (int d = 0; d < dims; d++) count *= BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 + 4 * d));
        int header = 4 + 4 * dims;
        if (data.Length - header != count) throw new InvalidDataException($"{path}: header claims {count} bytes, found {data.Length - header}");
        return data.AsSpan(header).ToArray();
    }
}

/// <summary>Writes one JSON object per line to stdout: one measurement each (run.sh collects the lines starting with '{').</summary>
public static class Measurements
{
    /// <summary>One measurement of <paramref name="metric"/>, with the context fields that identify it.</summary>
    public static void Emit(RunnerOptions o, string metric, double value, int? batch = null, int? threads = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        var sb = new StringBuilder();
        sb.Append("{\"framework\":").Append(Quote(o.Framework))
          .Append(",\"model\":").Append(Quote(o.Model))
          .Append(",\"metric\":").Append(Quote(metric))
          .Append(",\"value\":").Append(value.ToString("R", CultureInfo.InvariantCulture))
          .Append(",\"repeat\":").Append(o.Repeat.ToString(CultureInfo.InvariantCulture));
        if (batch is int b) sb.Append(",\"batch\":").Append(b.ToString(CultureInfo.InvariantCulture));
        if (threads is int t) sb.Append(",\"threads\":").Append(t.ToString(CultureInfo.InvariantCulture));
        if (extra is not null)
            foreach (var (k, v) in extra) sb.Append(',').Append(Quote(k)).Append(':').Append(Quote(v));
        sb.Append('}');
        Console.Out.WriteLine(sb.ToString());
        Console.Out.Flush();
    }

    /// <summary>Seconds since this process started (time to first batch is measured from there: runtime start, loading, first step).</summary>
    public static double SecondsSinceProcessStart()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalSeconds;
    }

    /// <summary>This process's peak resident set (VmHWM) in MiB, from /proc/self/status; NaN where there is none.</summary>
    public static double PeakResidentMiB()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().ToString().Replace(" kB", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        return double.NaN;
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Inference timing: repeat calls over the test images until at least the requested time has passed.</summary>
public static class InferenceTimer
{
    /// <summary>
    /// Runs <paramref name="run"/>(first, count) over consecutive batches of <paramref name="batch"/> test images (wrapping
    /// around) for at least <paramref name="seconds"/> after a warm-up as long (at least five calls), and returns the images
    /// per second of the second half: the steady state a deployed model reaches. Under the JIT, code first run at this batch
    /// size and thread count starts unoptimized and is recompiled in the background after 30 calls and a 100 ms lull; the
    /// small ResNet at batch 1 on two threads (JIT) measured 1.5k images/s over half a second after five calls, 2.0k over
    /// three seconds.
    /// Every runner times inference this way (bench_pytorch.py too).
    /// </summary>
    public static double ImagesPerSecond(int testCount, int batch, double seconds, Action<int, int> run)
    {
        int batches = Math.Max(1, testCount / batch);
        int next = 0;
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; calls < 5 || warm.Elapsed.TotalSeconds < seconds; calls++)
        {
            run(next * batch, batch);
            next = next + 1 == batches ? 0 : next + 1;
        }
        long images = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            for (int k = 0; k < 8; k++)
            {
                run(next * batch, batch);
                images += batch;
                next = next + 1 == batches ? 0 : next + 1;
            }
        } while (sw.Elapsed.TotalSeconds < seconds);
        return images / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The thread counts inference is measured at: one, and all of <paramref name="threads"/> when more.</summary>
    public static int[] ThreadCounts(int threads) => threads > 1 ? [1, threads] : [1];
}
