using System;

namespace NetGen;

/// <summary>
/// The base of every layer attribute (<see cref="DenseAttribute"/>, …). A network's layers are its layer attributes in
/// the order they are written; each takes the output of the one before as its input.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>Layers are declared by the attributes deriving from this one.</summary>
    private protected LayerAttribute()
    {
    }
}
