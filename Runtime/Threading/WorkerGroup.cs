using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Compiled.Threading;

/// <summary>
/// A fixed set of persistent background threads that run one body on every index at once:
/// <c>Run(body)</c> calls <c>body(0)</c> on the calling thread and <c>body(1..Threads-1)</c> on the workers,
/// and returns when all are done. Nothing is allocated per call, so a training step can use it every batch.
/// </summary>
/// <remarks>
/// Not reentrant: one <see cref="Run"/> at a time (a second concurrent or nested call throws).
/// The workers hold only the inner <see cref="Crew"/>, so a group nobody references is finalized and its threads end.
/// </remarks>
public sealed class WorkerGroup : IDisposable
{
    private readonly Crew _crew;

    /// <param name="threads">Number of indices <see cref="Run"/> covers; 0 or negative means <see cref="Environment.ProcessorCount"/>.</param>
    public WorkerGroup(int threads)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _crew = new Crew(Threads);
    }

    ~WorkerGroup() => _crew.Shutdown(join: false);

    /// <summary>The number of indices every <see cref="Run"/> call covers (the caller plus <c>Threads - 1</c> workers).</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs <paramref name="body"/> for every index 0..Threads-1 concurrently (index 0 on the calling thread) and waits for all.
    /// If any call throws, the first exception is rethrown here after every index has finished.
    /// </summary>
    public void Run(Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        _crew.Run(body);
    }

    /// <summary>Stops and joins the worker threads. <see cref="Run"/> throws afterwards.</summary>
    public void Dispose()
    {
        _crew.Shutdown(join: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The state the worker threads share with the caller (they never see the outer <see cref="WorkerGroup"/>).</summary>
    private sealed class Crew
    {
        // Both sides spin (yielding the core to other ready threads now and then) for this long before blocking: training
        // steps come back to back, with only the optimizer step between them, so a worker that blocked would pay a kernel
        // wake-up (tens of microseconds on a busy machine) on every batch.
        private static readonly long s_spinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

        // For the first part of that, both sides only pause between looks, never yield: a call on one sample forks once per
        // layer, microseconds apart, and a worker inside sched_yield when the next fork comes answers a syscall later.
        private static readonly long s_pauseTicks = Stopwatch.Frequency / 20000; // 50 µs

        private readonly object _gate = new();
        private readonly Thread[] _workers;
        // The caller waits on this for the workers to finish. A plain monitor, not ManualResetEventSlim: that one creates its
        // lock object lazily the first time it really blocks, an allocation in the middle of a warmed-up step.
        private readonly object _doneGate = new();
        private Action<int>? _body;
        private long _generation;
        private int _pending;
        private int _running;
        // Workers blocked (or about to block) on _gate, and 1 while the caller blocks (or is about to) on _doneGate: a fork or
        // a join takes a lock and pulses only when the other side may be blocked. Each side writes its flag with a full fence
        // before it looks at the condition it waits for, and the other side changes that condition with a full fence before
        // it reads the flag, so at least one of them sees the other and no wake-up is lost.
        private int _sleepingWorkers;
        private int _callerSleeping;
        private volatile bool _shutdown;
        private Exception? _error;

        public Crew(int threads)
        {
            _workers = new Thread[threads - 1];
            for (int i = 0; i < _workers.Length; i++)
            {
                int index = i + 1;
                _workers[i] = new Thread(() => WorkerLoop(index))
                {
                    IsBackground = true,
                    Name = $"Compiled worker {index}",
                };
                _workers[i].Start();
            }
        }

        public void Run(Action<int> body)
        {
            if (_shutdown) throw new ObjectDisposedException(nameof(WorkerGroup));
            if (Interlocked.Exchange(ref _running, 1) != 0)
                throw new InvalidOperationException("WorkerGroup.Run is already running: it is not reentrant and not for concurrent callers.");
            try
            {
                if (_workers.Length == 0)
                {
                    body(0);
                    return;
                }

                _error = null;
                _body = body;
                Volatile.Write(ref _pending, _workers.Length);
                Interlocked.Increment(ref _generation);   // publishes the body and count, then a full fence before the read below
                if (Volatile.Read(ref _sleepingWorkers) != 0)
                {
                    lock (_gate) Monitor.PulseAll(_gate);
                }

                try
                {
                    body(0);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }

                WaitForWorkers();
                _body = null;
                if (_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }

        public void Shutdown(bool join)
        {
            lock (_gate)
            {
                _shutdown = true;
                Monitor.PulseAll(_gate);
            }
            if (!join) return;
            foreach (Thread worker in _workers)
            {
                if (worker != Thread.CurrentThread) worker.Join();
            }
        }

        private void WorkerLoop(int index)
        {
            long seen = 0;
            while (true)
            {
                Action<int>? body = WaitForWork(ref seen);
                if (body is null) return;
                try
                {
                    body(index);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _callerSleeping) != 0)
                {
                    lock (_doneGate) Monitor.PulseAll(_doneGate);
                }
            }
        }

        // Spins for a while, then blocks until every worker has finished the current generation.
        private void WaitForWorkers()
        {
            var spin = new Spin();
            while (Volatile.Read(ref _pending) != 0)
            {
                if (spin.Next()) continue;
                lock (_doneGate)
                {
                    Interlocked.Exchange(ref _callerSleeping, 1);
                    while (Volatile.Read(ref _pending) != 0) Monitor.Wait(_doneGate);
                    _callerSleeping = 0;
                }
                return;
            }
        }

        // Returns the body of the next generation, or null at shutdown.
        private Action<int>? WaitForWork(ref long seen)
        {
            var spin = new Spin();
            while (Volatile.Read(ref _generation) == seen && !_shutdown && spin.Next()) { }
            // Seen while spinning (the common case, a fork microseconds after the last): the body straight away, without the
            // lock and the two atomic updates of _sleepingWorkers, which took the line the caller had just written (and reads
            // next) and delayed the part's start. The caller published the body before the generation (its increment is a
            // full fence; this read an acquire), and it starts no new generation before every worker finished this one, so the
            // count moved by exactly one.
            long current = Volatile.Read(ref _generation);
            if (current != seen && !_shutdown)
            {
                seen = current;
                return _body;
            }
            lock (_gate)
            {
                Interlocked.Increment(ref _sleepingWorkers);
                while (Volatile.Read(ref _generation) == seen && !_shutdown) Monitor.Wait(_gate);
                Interlocked.Decrement(ref _sleepingWorkers);
                if (_shutdown) return null;
                seen = _generation;
                return _body;
            }
        }

        // The waits between looks at a condition: pauses for s_pauseTicks, then SpinWait (which yields the core now and
        // then) until s_spinTicks, when Next returns false and the caller blocks.
        private struct Spin
        {
            private readonly long _start;
            private SpinWait _spinner;
            private bool _yielding;
            private int _looks;

            public Spin() => _start = Stopwatch.GetTimestamp();

            public bool Next()
            {
                if (!_yielding)
                {
                    Thread.SpinWait(1);
                    if ((++_looks & 63) == 0 && Stopwatch.GetTimestamp() - _start > s_pauseTicks) _yielding = true;
                    return true;
                }
                if ((++_looks & 15) == 0 && Stopwatch.GetTimestamp() - _start > s_spinTicks) return false;
                _spinner.SpinOnce(sleep1Threshold: -1);
                return true;
            }
        }
    }
}
