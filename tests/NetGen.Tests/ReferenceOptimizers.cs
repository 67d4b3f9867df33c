using System;

namespace NetGen.Tests;

/// <summary>
/// The torch.optim update rules written out plainly for one parameter vector in double precision, independently of
/// NetGen's kernels. Each takes the averaged gradient g of step t (from 1) and updates θ and its own state in place.
/// </summary>
public abstract class ReferenceOptimizer
{
    public abstract void Step(double[] theta, double[] g, int t);

    public static double[] ClipToNorm(double[] g, double maxNorm)
    {
        double norm = 0;
        foreach (double value in g)
        {
            norm += value * value;
        }

        double coefficient = Math.Min(1, maxNorm / (Math.Sqrt(norm) + 1e-6));
        return Array.ConvertAll(g, value => value * coefficient);
    }
}

public sealed class ReferenceSgd(double lr, double momentum = 0, bool nesterov = false, double weightDecay = 0) : ReferenceOptimizer
{
    private double[]? _b;

    public override void Step(double[] theta, double[] g, int t)
    {
        _b ??= new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double d = g[i] + weightDecay * theta[i];
            if (momentum != 0)
            {
                _b[i] = t == 1 ? d : momentum * _b[i] + d;
                d = nesterov ? d + momentum * _b[i] : _b[i];
            }

            theta[i] -= lr * d;
        }
    }
}

public sealed class ReferenceAdam(double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool decoupled = false)
    : ReferenceOptimizer
{
    private double[]? _m, _v, _vMax;

    public override void Step(double[] theta, double[] g, int t)
    {
        _m ??= new double[theta.Length];
        _v ??= new double[theta.Length];
        _vMax ??= new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double d = g[i];
            if (decoupled)
            {
                theta[i] *= 1 - lr * weightDecay;
            }
            else
            {
                d += weightDecay * theta[i];
            }

            _m[i] = beta1 * _m[i] + (1 - beta1) * d;
            _v[i] = beta2 * _v[i] + (1 - beta2) * d * d;
            double mHat = _m[i] / (1 - Math.Pow(beta1, t));
            _vMax[i] = Math.Max(_vMax[i], _v[i]);
            double vHat = (amsgrad ? _vMax[i] : _v[i]) / (1 - Math.Pow(beta2, t));
            theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps); // ε added after the bias-corrected root, as torch does
        }
    }
}

public sealed class ReferenceRmsProp(double lr, double alpha = 0.99, double eps = 1e-8, double momentum = 0, double weightDecay = 0, bool centered = false)
    : ReferenceOptimizer
{
    private double[]? _s, _a, _b;

    public override void Step(double[] theta, double[] g, int t)
    {
        _s ??= new double[theta.Length];
        _a ??= new double[theta.Length];
        _b ??= new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double d = g[i] + weightDecay * theta[i];
            _s[i] = alpha * _s[i] + (1 - alpha) * d * d;
            double variance = _s[i];
            if (centered)
            {
                _a[i] = alpha * _a[i] + (1 - alpha) * d;
                variance -= _a[i] * _a[i];
            }

            double step = d / (Math.Sqrt(variance) + eps);
            if (momentum > 0)
            {
                _b[i] = momentum * _b[i] + step;
                step = _b[i];
            }

            theta[i] -= lr * step;
        }
    }
}

public sealed class ReferenceAdagrad(double lr, double eps = 1e-10, double weightDecay = 0, double lrDecay = 0) : ReferenceOptimizer
{
    private double[]? _s;

    public override void Step(double[] theta, double[] g, int t)
    {
        _s ??= new double[theta.Length];
        double clr = lr / (1 + (t - 1) * lrDecay);
        for (int i = 0; i < theta.Length; i++)
        {
            double d = g[i] + weightDecay * theta[i];
            _s[i] += d * d;
            theta[i] -= clr * d / (Math.Sqrt(_s[i]) + eps);
        }
    }
}
