namespace Compiled.Generator.Model;

/// <summary>Mirror of <c>Compiled.Init</c> (same names and values; the generator cannot reference the runtime assembly).</summary>
internal enum InitKind
{
    Default = 0,
    HeNormal,
    HeUniform,
    XavierNormal,
    XavierUniform,
    PyTorchDefault,
    Zeros,
}
