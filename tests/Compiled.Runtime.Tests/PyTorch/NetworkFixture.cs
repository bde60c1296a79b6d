using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace Compiled.Runtime.Tests.PyTorch;

/// <summary>One named tensor of a fixture: PyTorch's name, shape and float32 values (row-major).</summary>
internal sealed record FixtureTensor(string Name, int[] Shape, float[] Data)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A forward pass of a network fixture: the logits fed to the loss, the mean loss, and what the pass left behind.</summary>
internal sealed record FixturePass(FixtureTensor Output, float Loss, IReadOnlyList<FixtureTensor> Gradients, IReadOnlyList<FixtureTensor> State);

/// <summary>The SGD steps of a network fixture: each step's loss, then the parameters, state and an evaluation pass.</summary>
internal sealed record FixtureSgd(double LearningRate, int Steps, float[] Losses, IReadOnlyList<FixtureTensor> Parameters,
    IReadOnlyList<FixtureTensor> State, FixturePass Evaluation);

/// <summary>The dropout masks a fixture fixed: <c>Masks[k]</c> is step k's keep mask (0 or 1) of the named layer.</summary>
internal sealed record FixtureDropout(string Layer, double P, IReadOnlyList<FixtureTensor> Masks);

/// <summary>
/// A whole-network fixture made by <c>tests/fixtures/make_network_fixtures_cnn.py</c> (resnet_small.json and the others;
/// the script's docstring describes every field). Only System.Text.Json: a network test project can link this file.
/// <see cref="Parse"/> checks the file's form (every field present with its type, each tensor's data as long as its
/// shape says, names unique) and throws <see cref="InvalidDataException"/> naming the file and the field; whether the
/// tensors agree with one another is the tests' business.
/// </summary>
internal sealed class NetworkFixture
{
    public required string File { get; init; }
    public required string Name { get; init; }
    public required string Declaration { get; init; }
    public required int Batch { get; init; }
    public required int Classes { get; init; }
    public required int[] InputShape { get; init; }
    public required FixtureTensor Input { get; init; }
    public required int[] Labels { get; init; }
    public required IReadOnlyList<FixtureTensor> Parameters { get; init; }
    /// <summary>Batch norm's running statistics and num_batches_tracked (as a float), before any step.</summary>
    public required IReadOnlyList<FixtureTensor> State { get; init; }
    /// <summary>One training-mode forward and backward from <see cref="Parameters"/> and <see cref="State"/>.</summary>
    public required FixturePass Training { get; init; }
    /// <summary>One evaluation-mode forward from <see cref="Parameters"/> and <see cref="State"/> (no gradients, state unchanged).</summary>
    public required FixturePass Evaluation { get; init; }
    public required FixtureSgd Sgd { get; init; }
    public FixtureDropout? Dropout { get; init; }

    public static NetworkFixture Load(string path) => Parse(System.IO.File.ReadAllText(path), Path.GetFileName(path));

    public static NetworkFixture Parse(string json, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not JSON ({e.Message}).", e);
        }
        using (document)
        {
            var reader = new Reader(file);
            JsonElement root = reader.Object(document.RootElement, "the file");
            JsonElement training = reader.Property(root, "training", JsonValueKind.Object);
            JsonElement evaluation = reader.Property(root, "evaluation", JsonValueKind.Object);
            JsonElement sgd = reader.Property(root, "sgd", JsonValueKind.Object);
            JsonElement sgdEvaluation = reader.Property(sgd, "evaluation", JsonValueKind.Object, "sgd.");
            FixtureDropout? dropout = null;
            if (root.TryGetProperty("dropout", out JsonElement d))
            {
                reader.Object(d, "dropout");
                var masks = new List<FixtureTensor>();
                int step = 0;
                foreach (JsonElement mask in reader.Property(d, "masks", JsonValueKind.Array, "dropout.").EnumerateArray())
                    masks.Add(reader.Tensor(mask, $"dropout.masks[{step++}]"));
                dropout = new FixtureDropout(reader.String(d, "layer", "dropout."), reader.Double(d, "p", "dropout."), masks);
            }
            return new NetworkFixture
            {
                File = file,
                Name = reader.String(root, "name"),
                Declaration = reader.String(root, "declaration"),
                Batch = reader.Int(root, "batch"),
                Classes = reader.Int(root, "classes"),
                InputShape = reader.IntArray(reader.Property(root, "inputShape", JsonValueKind.Array), "inputShape"),
                Input = reader.Tensor(reader.Property(root, "input", JsonValueKind.Object), "input"),
                Labels = reader.IntArray(reader.Property(reader.Property(root, "labels", JsonValueKind.Object), "data", JsonValueKind.Array, "labels."), "labels.data"),
                Parameters = reader.Tensors(root, "parameters", ""),
                State = reader.Tensors(root, "state", ""),
                Training = new FixturePass(
                    reader.Tensor(reader.Property(training, "output", JsonValueKind.Object, "training."), "training.output"),
                    reader.Float(training, "loss", "training."),
                    reader.Tensors(training, "gradients", "training."),
                    reader.Tensors(training, "state", "training.")),
                Evaluation = new FixturePass(
                    reader.Tensor(reader.Property(evaluation, "output", JsonValueKind.Object, "evaluation."), "evaluation.output"),
                    reader.Float(evaluation, "loss", "evaluation."), [], []),
                Sgd = new FixtureSgd(
                    reader.Double(sgd, "learningRate", "sgd."),
                    reader.Int(sgd, "steps", "sgd."),
                    reader.FloatArray(reader.Property(sgd, "losses", JsonValueKind.Array, "sgd."), "sgd.losses"),
                    reader.Tensors(sgd, "parameters", "sgd."),
                    reader.Tensors(sgd, "state", "sgd."),
                    new FixturePass(
                        reader.Tensor(reader.Property(sgdEvaluation, "output", JsonValueKind.Object, "sgd.evaluation."), "sgd.evaluation.output"),
                        reader.Float(sgdEvaluation, "loss", "sgd.evaluation."), [], [])),
                Dropout = dropout,
            };
        }
    }

    /// <summary>Field readers that name the file and the field in every complaint.</summary>
    private sealed class Reader(string file)
    {
        private InvalidDataException Bad(string field, string problem) => new($"{file}: {field} {problem}.");

        public JsonElement Object(JsonElement element, string field)
            => element.ValueKind == JsonValueKind.Object ? element : throw Bad(field, $"is a JSON {element.ValueKind}, not an object");

        public JsonElement Property(JsonElement owner, string name, JsonValueKind kind, string path = "")
        {
            if (!owner.TryGetProperty(name, out JsonElement value)) throw Bad(path + name, "is missing");
            if (value.ValueKind != kind) throw Bad(path + name, $"is a JSON {value.ValueKind}, expected {kind}");
            return value;
        }

        public string String(JsonElement owner, string name, string path = "") => Property(owner, name, JsonValueKind.String, path).GetString()!;

        public int Int(JsonElement owner, string name, string path = "")
            => Property(owner, name, JsonValueKind.Number, path).TryGetInt32(out int value) ? value : throw Bad(path + name, "is not a 32-bit integer");

        public double Double(JsonElement owner, string name, string path = "") => Property(owner, name, JsonValueKind.Number, path).GetDouble();

        public float Float(JsonElement owner, string name, string path = "") => (float)Double(owner, name, path);

        public int[] IntArray(JsonElement array, string field)
        {
            var values = new int[array.GetArrayLength()];
            int i = 0;
            foreach (JsonElement v in array.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out values[i])) throw Bad($"{field}[{i}]", "is not a 32-bit integer");
                i++;
            }
            return values;
        }

        public float[] FloatArray(JsonElement array, string field)
        {
            var values = new float[array.GetArrayLength()];
            int i = 0;
            foreach (JsonElement v in array.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number) throw Bad($"{field}[{i}]", $"is a JSON {v.ValueKind}, not a number");
                values[i++] = (float)v.GetDouble();
            }
            return values;
        }

        /// <summary>{"shape": [...], "data": [...]}: the data as long as the shape's product (1 for a scalar's []).</summary>
        public FixtureTensor Tensor(JsonElement element, string field)
        {
            Object(element, field);
            int[] shape = IntArray(Property(element, "shape", JsonValueKind.Array, field + "."), field + ".shape");
            long count = 1;
            foreach (int dim in shape)
            {
                if (dim < 0) throw Bad(field + ".shape", $"has a negative dimension ({dim})");
                count *= dim;
            }
            float[] data = FloatArray(Property(element, "data", JsonValueKind.Array, field + "."), field + ".data");
            if (data.Length != count)
                throw Bad(field, $"has {data.Length} values but its shape [{string.Join(", ", shape)}] needs {count}");
            return new FixtureTensor(field, shape, data);
        }

        /// <summary>An object of named tensors, in file order; a name given twice is an error.</summary>
        public IReadOnlyList<FixtureTensor> Tensors(JsonElement owner, string name, string path)
        {
            var tensors = new List<FixtureTensor>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in Property(owner, name, JsonValueKind.Object, path).EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw Bad($"{path}{name}", $"names \"{p.Name}\" twice");
                FixtureTensor t = Tensor(p.Value, $"{path}{name}.{p.Name}");
                tensors.Add(t with { Name = p.Name });
            }
            return tensors;
        }
    }
}
