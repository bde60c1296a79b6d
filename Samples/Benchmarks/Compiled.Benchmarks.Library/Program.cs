// bench-compiled: the benchmark's runner for this library (run.sh runs it as the JIT build and as the NativeAOT binary).
//   bench-compiled [--model mlp|lenet5|vgg|resnet --framework compiled-jit|compiled-aot ...]   one epoch + accuracy + inference
//   bench-compiled --train-only ...                                                         one epoch, its time only
//   bench-compiled probe [--threads N] [--infer-seconds S]                          the machine's FMA peak
// One JSON line per measurement on stdout (BenchCommon.cs); the report derives GFLOP/s and share of peak from them.
using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using Compiled;
using Compiled.Benchmarks;
using Compiled.Data;
using Compiled.Optimizers;

bool probe = args.Length > 0 && args[0] == "probe";
RunnerOptions o;
try { o = RunnerOptions.Parse(probe ? args[1..] : args, "compiled-jit"); }
catch (ArgumentException e) { Console.Error.WriteLine($"bench-compiled: {e.Message}"); return 2; }

if (probe)
{
    o.Model = "machine";
    var (gflops, lanes) = FmaProbe.Measure(o.Threads, o.InferSeconds);
    Measurements.Emit(o, "fma_peak_gflops", gflops, threads: o.Threads,
        extra: new System.Collections.Generic.Dictionary<string, string> { ["vector_bits"] = (lanes * 32).ToString(System.Globalization.CultureInfo.InvariantCulture) });
    return 0;
}

ITrainableNetwork? network = o.Model switch
{
    "mlp" => new BenchMlp(o.Threads),
    "lenet5" => new BenchLeNet5(o.Threads),
    "vgg" => new BenchVgg(o.Threads),
    "resnet" => new BenchResNet(o.Threads),
    _ => null,
};
if (network is null)
{
    Console.Error.WriteLine($"bench-compiled: unknown model {o.Model}");
    return 2;
}

ImageData data;
try { data = ImageData.Load(o.Data, o.Limit, o.TestLimit); }
catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { Console.Error.WriteLine($"bench-compiled: {e.Message}"); return 1; }

// What the machine's cores cost to synchronize right now (it varies by phases on a VM: CoreRoundTrip), for the report.
if (o.Threads > 1) Measurements.Emit(o, "core_round_trip_ns", CoreRoundTrip.Measure(), threads: o.Threads);

network.Initialize(o.Seed);
int[] shape = [.. network.InputShape];
var train = new Dataset(data.TrainImages, data.TrainLabels, shape);
var optimizer = new Sgd(o.LearningRate, o.Momentum);
var batches = new BatchIterator(train, o.Batch, shuffle: true, seed: (ulong)o.Seed);

// One epoch as the Trainer runs it: shuffle and gather (BatchIterator), forward + loss + backward (TrainStep), update
// (the optimizer's step, which leaves the gradients zeroed). A network on a StepRunner gathers each thread's rows of the
// batch and ends the step in the same dispatch, each thread updating its range of the parameters (the Trainer's fused
// step; bitwise TrainStep + StepAndZeroGradients, which would update them all on the calling thread). No finite check: the peers' loops have none. The first step's end
// also marks time to first batch.
var fused = network as IFusedTrainStep;
var stepOptions = new Compiled.Networks.StepOptions(network.Parameters, network.ParameterTable) { Optimizer = optimizer, Gather = batches };
network.ZeroGradients();
var sw = Stopwatch.StartNew();
bool first = true;
foreach (Batch batch in batches.Epoch(0, deferGather: fused is not null))
{
    if (fused is not null) fused.TrainStep(batch.Inputs, batch.Labels, batch.Size, stepOptions);
    else
    {
        network.TrainStep(batch.Inputs, batch.Labels, batch.Size);
        optimizer.StepAndZeroGradients(network.Parameters, network.Gradients);
    }
    if (first)
    {
        first = false;
        if (!o.TrainOnly) Measurements.Emit(o, "first_batch_seconds", Measurements.SecondsSinceProcessStart());
    }
}
double epochSeconds = sw.Elapsed.TotalSeconds;
if (o.TrainOnly)
{
    Measurements.Emit(o, "train_seconds_per_epoch", epochSeconds, o.Batch, o.Threads);
    return 0;
}
Measurements.Emit(o, "train_images", data.TrainCount);
Measurements.Emit(o, "train_seconds_per_epoch", epochSeconds, o.Batch, o.Threads,
    new System.Collections.Generic.Dictionary<string, string> { ["vector_bits"] = Vector512.IsHardwareAccelerated ? "512" : Vector256.IsHardwareAccelerated ? "256" : "128" });

var logits = new float[256 * 10];
int correct = 0;
for (int start = 0; start < data.TestCount; start += 256)
{
    int size = Math.Min(256, data.TestCount - start);
    network.Forward(data.TestImages.AsSpan(start * ImageData.Pixels, size * ImageData.Pixels), logits.AsSpan(0, size * 10), size);
    for (int i = 0; i < size; i++)
    {
        int best = 0;
        for (int c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
        if (best == data.TestLabels[start + i]) correct++;
    }
}
Measurements.Emit(o, "test_accuracy", (double)correct / data.TestCount);

// Inference as a deployed model runs: on a session (a copy of the trained network that nothing changes any more, as ONNX
// Runtime's session holds the exported weights), which skips the check for changed weights a network makes on every call.
using (InferenceSession session = network.CreateInferenceSession())
{
    foreach (int batch in new[] { 64, 1 })
        foreach (int threads in InferenceTimer.ThreadCounts(o.Threads))
        {
            session.Threads = threads;
            var output = new float[batch * 10];
            double rate = InferenceTimer.ImagesPerSecond(data.TestCount, batch, o.InferSeconds, (start, size) =>
                session.Forward(data.TestImages.AsSpan(start * ImageData.Pixels, size * ImageData.Pixels), output, size));
            Measurements.Emit(o, "infer_images_per_second", rate, batch, threads);
        }
}
Measurements.Emit(o, "peak_rss_mib", Measurements.PeakResidentMiB());
return 0;
