namespace NetGen.Generator.Model;

/// <summary>
/// Max or average pooling over each channel of a [channels, length] or [channels, height, width] input:
/// <c>[MaxPool2D(size)]</c> and the like. Windows of <see cref="Size"/> (squared for 2-D) move by <see cref="Stride"/>,
/// without padding; output sizes floor. Pooling owns no parameters.
/// </summary>
/// <param name="IsMax">Max pooling (the gradient goes to the first maximum of each window), else average pooling.</param>
/// <param name="Dimensions">1 or 2.</param>
internal sealed record PoolingLayerSpec(int Index, Shape Input, Shape Output, bool IsMax, int Dimensions, int Size, int Stride)
    : LayerSpec(Index, Input, Output, ActivationSpec.None)
{
    public override string Kind => (IsMax ? "MaxPool" : "AvgPool") + (Dimensions == 1 ? "1D" : "2D");

    public override bool HasActivation => false;

    public int Channels => Input.Dimensions[0];

    public int Height => Dimensions == 1 ? 1 : Input.Dimensions[1];

    public int Width => Input.Dimensions[Input.Rank - 1];

    public override EquatableArray<ParameterTensorSpec> Tensors => EquatableArray<ParameterTensorSpec>.Empty;
}
