namespace NetGen.Generator.Model;

/// <summary>
/// Inverted dropout, <c>[Dropout(rate)]</c>: in training each value is zeroed with probability <see cref="Rate"/> and
/// the kept ones scaled by 1/(1 − rate), from masks the network's own generator draws; the identity in evaluation. Its
/// output has its input's shape, and it owns no parameters.
/// </summary>
internal sealed record DropoutLayerSpec(int Index, Shape Input, double Rate)
    : LayerSpec(Index, Input, Input, ActivationSpec.None)
{
    public override string Kind => "Dropout";

    public override bool HasActivation => false;

    public override EquatableArray<ParameterTensorSpec> Tensors => EquatableArray<ParameterTensorSpec>.Empty;
}
