// ONNX Runtime runner of the benchmark (inference only): loads <onnx-dir>/<model>.onnx, which bench_pytorch.py exported
// from its trained model, checks its test accuracy (the same weights as PyTorch's, so the same accuracy) and measures
// images/s at batch 64 and 1 with one intra-op thread and with all threads, then the peak resident memory.
using System;
using System.IO;
using Compiled.Benchmarks;
using Microsoft.ML.OnnxRuntime;

RunnerOptions o;
try { o = RunnerOptions.Parse(args, "onnxruntime"); }
catch (ArgumentException e) { Console.Error.WriteLine($"bench-onnxruntime: {e.Message}"); return 2; }

string path = Path.Combine(o.OnnxDirectory, o.Model + ".onnx");
if (!File.Exists(path)) { Console.Error.WriteLine($"bench-onnxruntime: {path} not found (bench_pytorch.py --onnx-dir writes it)"); return 1; }
ImageData data = ImageData.Load(o.Data, o.Limit, o.TestLimit, needTrain: false);
long[] SampleShape(int batch) => [batch, .. BenchModels.SampleShape(o.Model)];

bool accuracyDone = false;
foreach (int threads in InferenceTimer.ThreadCounts(o.Threads))
{
    using var options = new SessionOptions
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
    using var session = new InferenceSession(path, options);
    string inputName = session.InputNames[0], outputName = session.OutputNames[0];
    using var runOptions = new RunOptions();
    foreach (int batch in new[] { 64, 1 })
    {
        // A serving loop: fixed input and output buffers, each batch copied in, outputs written in place.
        var input = new float[batch * ImageData.Pixels];
        var output = new float[batch * 10];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, SampleShape(batch));
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [batch, 10]);
        string[] inputNames = [inputName], outputNames = [outputName];
        OrtValue[] inputs = [inputValue], outputs = [outputValue];
        void Run(int first, int size)
        {
            Array.Copy(data.TestImages, first * ImageData.Pixels, input, 0, size * ImageData.Pixels);
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        }

        if (!accuracyDone && batch == 1)
        {
            int correct = 0;
            for (int i = 0; i < data.TestCount; i++)
            {
                Run(i, 1);
                int best = 0;
                for (int c = 1; c < 10; c++) if (output[c] > output[best]) best = c;
                if (best == data.TestLabels[i]) correct++;
            }
            Measurements.Emit(o, "test_accuracy", (double)correct / data.TestCount);
            accuracyDone = true;
        }
        double rate = InferenceTimer.ImagesPerSecond(data.TestCount, batch, o.InferSeconds, Run);
        Measurements.Emit(o, "infer_images_per_second", rate, batch, threads);
    }
}
Measurements.Emit(o, "peak_rss_mib", Measurements.PeakResidentMiB());
return 0;
