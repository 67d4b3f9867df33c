using System;
using System.Collections.Generic;

namespace NetGen.RuntimeGraph;

/// <summary>
/// Records operations as they run (define-by-run) and replays them in reverse for backward. Intermediate tensors come
/// from a pool that is returned whole at <see cref="Reset"/>, as a caching allocator in an eager framework would do,
/// so steady training reuses buffers; the graph of operation nodes is rebuilt every step.
/// </summary>
public sealed class Tape
{
    private readonly List<Operation> _operations = new();
    private readonly Dictionary<int, Stack<float[]>> _free = new();
    private readonly List<Tensor> _rented = new();

    /// <summary>When false, operations compute without recording (inference, like torch.no_grad()).</summary>
    public bool IsRecording { get; set; } = true;

    /// <summary>Forgets the graph and returns every intermediate tensor's buffers to the pool.</summary>
    public void Reset()
    {
        _operations.Clear();
        foreach (Tensor tensor in _rented)
        {
            Return(tensor.Storage);
            if (tensor.GradientStorage.Length > 0)
            {
                Return(tensor.GradientStorage);
            }
        }

        _rented.Clear();
    }

    /// <summary>A pooled tensor holding a copy of <paramref name="values"/>.</summary>
    public Tensor Input(ReadOnlySpan<float> values, int rows, int columns)
    {
        Tensor tensor = NewTensor(rows, columns);
        values.CopyTo(tensor.Data);
        return tensor;
    }

    /// <summary>Runs backward from a scalar loss: seeds ∂loss/∂loss = 1 and replays the recorded operations in reverse.</summary>
    public void Backward(Tensor loss)
    {
        if (loss.Length != 1)
        {
            throw new ArgumentException($"Backward starts from a scalar loss; this tensor has {loss.Length} values.", nameof(loss));
        }

        GradientOf(loss, out _)[0] = 1;
        for (int i = _operations.Count - 1; i >= 0; i--)
        {
            _operations[i].Backward(this);
        }
    }

    internal Tensor NewTensor(int rows, int columns)
    {
        var tensor = new Tensor(Rent(rows * columns), rows, columns, isParameter: false);
        _rented.Add(tensor);
        return tensor;
    }

    internal void Record(Operation operation, Tensor output, params Tensor[] inputs)
    {
        if (!IsRecording)
        {
            return;
        }

        foreach (Tensor input in inputs)
        {
            output.RequiresGradient |= input.IsParameter || input.RequiresGradient;
        }

        if (output.RequiresGradient)
        {
            _operations.Add(operation);
        }
    }

    /// <summary>
    /// The gradient buffer of a tensor reached by backward. <paramref name="fresh"/> is true when nothing has written
    /// to it yet this step, so the caller may overwrite it; otherwise (a parameter, or a tensor with several consumers)
    /// the caller must add to it, as autograd sums the gradients of every use.
    /// </summary>
    internal Span<float> GradientOf(Tensor tensor, out bool fresh)
    {
        fresh = !tensor.IsParameter && !tensor.HasGradient;
        if (fresh)
        {
            tensor.GradientStorage = Rent(tensor.Length);
            tensor.HasGradient = true;
        }

        return tensor.Gradient;
    }

    /// <summary>A scratch buffer for this step, returned to the pool at <see cref="Reset"/>.</summary>
    internal Span<float> Scratch(int length) => NewTensor(1, length).Data;

    private float[] Rent(int length)
        => _free.TryGetValue(length, out Stack<float[]>? stack) && stack.Count > 0 ? stack.Pop() : new float[length];

    private void Return(float[] buffer)
    {
        if (!_free.TryGetValue(buffer.Length, out Stack<float[]>? stack))
        {
            _free[buffer.Length] = stack = new Stack<float[]>();
        }

        stack.Push(buffer);
    }
}

/// <summary>A recorded operation: it knows its inputs and output and how to send the output's gradient back.</summary>
internal abstract class Operation
{
    public abstract void Backward(Tape tape);
}
