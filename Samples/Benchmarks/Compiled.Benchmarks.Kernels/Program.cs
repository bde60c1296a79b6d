using BenchmarkDotNet.Running;

// bench-kernels: BenchmarkDotNet's switcher over the kernel benchmarks (LayerKernels.cs); its options choose and filter.
BenchmarkSwitcher.FromAssembly(typeof(Compiled.Benchmarks.Kernels.DenseBenchmarks).Assembly).Run(args);
