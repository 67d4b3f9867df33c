using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using NetGen.Kernels;
using NetGen.Workloads;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The 64-byte alignment of a generated network's parameters, gradients and optimizer state, which the matrix-vector
/// product of a single sample streams twice as fast on an Intel Xeon (docs/performance.md).
/// </summary>
public sealed class AlignedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(1_001)]
    public void Float_buffers_start_on_a_64_byte_boundary_and_hold_zeros(int length) => CheckBuffers<float>(length);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(1_001)]
    public void Double_buffers_start_on_a_64_byte_boundary_and_hold_zeros(int length) => CheckBuffers<double>(length);

    [Fact]
    public void A_slice_past_the_buffer_throws_although_the_array_behind_it_is_longer()
    {
        var buffer = new AlignedBuffer<float>(10);

        Assert.Equal(3, buffer.Slice(7, 3).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(8, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer<float>(-1));
    }

    [Fact]
    public void A_generated_networks_parameters_gradients_and_optimizer_state_start_on_64_byte_boundaries()
    {
        // Several of each, so that the arrays behind them start at different offsets from a boundary; a compacting
        // collection in between checks that they do not move.
        var networks = new List<INetwork<float>>();
        for (int i = 0; i < 8; i++)
        {
            networks.Add(new MnistWorkloadNet());
            networks.Add(new DeepWorkloadNet());
            networks.Add(new XorWorkloadNet());
            _ = new byte[8 * i + 8]; // moves the next allocation by a few words
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        foreach (INetwork<float> network in networks)
        {
            Assert.Equal(0, AddressOf(network.Parameters) % AlignedBuffer<float>.Alignment);
            Assert.Equal(0, AddressOf(network.Gradients) % AlignedBuffer<float>.Alignment);
            Assert.Equal(network.ParameterCount, network.Parameters.Length);
            Assert.Equal(network.ParameterCount, network.Gradients.Length);
        }

        var deep = new DeepWorkloadNet();
        Assert.Equal(2 * DeepWorkloadNet.ParameterCount, deep.OptimizerState.Length); // Adam: m, then v
        Assert.Equal(0, AddressOf(deep.OptimizerState) % AlignedBuffer<float>.Alignment);
        Assert.Equal(0, AddressOf(new DeepWorkloadNet64().Parameters) % AlignedBuffer<double>.Alignment);
    }

    private static void CheckBuffers<T>(int length)
        where T : unmanaged, IEquatable<T>
    {
        var buffers = new List<AlignedBuffer<T>>();
        for (int i = 0; i < 16; i++)
        {
            buffers.Add(new AlignedBuffer<T>(length));
            _ = new byte[8 * i + 8];
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        foreach (AlignedBuffer<T> buffer in buffers)
        {
            Span<T> values = buffer;
            Assert.Equal(length, buffer.Length);
            Assert.Equal(length, values.Length);
            if (length > 0)
            {
                Assert.Equal(0, AddressOf(values) % AlignedBuffer<T>.Alignment);
                Assert.True(values.IndexOfAnyExcept(default(T)) < 0, "a new buffer holds zeros");
            }
        }
    }

    /// <summary>The address of a span's first element, without an unsafe context: its byte offset from address zero.</summary>
    private static long AddressOf<T>(Span<T> span) => Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref span[0]);
}
