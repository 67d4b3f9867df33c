using System;
using NetGen;

namespace NetGen.Tests.Differentiation;

/// <summary>Functions covering every construct [Differentiable] supports; their gradients are checked numerically.</summary>
public static partial class Functions
{
    // The gradient chapter's example: ∇u = (2x + 2y, 2x + 2y, 2z).
    [Differentiable]
    public static double U(double x, double y, double z) => x * x + 2 * x * y + y * y + z * z;

    [Differentiable]
    public static double Product(double x, double y) => x * y * x;

    [Differentiable]
    public static double Quotient(double x, double y) => (x + 1) / (y * y + 2);

    [Differentiable]
    public static double Negation(double x, double y) => -x * y - (-y);

    [Differentiable]
    public static double Polynomial(double x) => 3 * x * x * x - 2 * x * x + x - 7;

    [Differentiable]
    public static double Trigonometry(double x, double y) => Math.Sin(x) * Math.Cos(y) + Math.Tan(x * 0.3);

    [Differentiable]
    public static double Exponentials(double x, double y) => Math.Exp(x * y) + Math.Log(x * x + 1) + Math.Log10(y * y + 2);

    [Differentiable]
    public static double Roots(double x, double y) => Math.Sqrt(x * x + y * y + 1);

    [Differentiable]
    public static double Powers(double x, double y) => Math.Pow(x * x + 1, y) + Math.Pow(y, 3);

    [Differentiable]
    public static double AbsoluteValue(double x, double y) => Math.Abs(x - y) + Math.Abs(y);

    [Differentiable]
    public static double Hyperbolic(double x, double y) => Math.Tanh(x) + Math.Sinh(y * 0.5) * Math.Cosh(x * 0.25);

    [Differentiable]
    public static double InverseTrigonometry(double x) => Math.Atan(x) + Math.Asin(x * 0.3) + Math.Acos(x * 0.2);

    [Differentiable]
    public static double MaxAndMin(double x, double y, double z) => Math.Max(x, y) * Math.Min(y, z) + Math.Max(z * z, 0.5);

    [Differentiable]
    public static double Locals(double x, double y)
    {
        double a = x * y;
        double b = a + Math.Sin(x);
        double c = b * b - a;
        return c / (1 + y * y);
    }

    [Differentiable]
    public static double CompoundAssignments(double x, double y)
    {
        double s = x;
        s += y * y;
        s -= x * 0.5;
        s *= y + 3;
        s /= x * x + 1;
        return s;
    }

    [Differentiable]
    public static double Reassignment(double x)
    {
        double v = x;
        v = v * v;
        v = Math.Sin(v) + v;
        x = x * 3;
        return v + x;
    }

    [Differentiable]
    public static double IfElse(double x, double y)
    {
        double r;
        if (x > y)
        {
            r = x * x - y;
        }
        else
        {
            r = y * Math.Exp(x);
        }

        return r * 2;
    }

    [Differentiable]
    public static double IfWithoutElse(double x)
    {
        double r = x * 3;
        if (x < 0)
        {
            r = -r * x;
        }

        return r;
    }

    [Differentiable]
    public static double Ternary(double x, double y) => x * y > 1 ? x * x : Math.Sin(y) * x;

    [Differentiable]
    public static double ReturnsInBranches(double x)
    {
        if (x > 0)
        {
            return x * x;
        }
        else
        {
            return 0.01 * x;
        }
    }

    [Differentiable]
    public static double LeakyRelu(double x) => x > 0 ? x : 0.1 * x;

    [Differentiable]
    public static double Swish(double x) => x / (1 + Math.Exp(-x));

    [Differentiable]
    public static double Composed(double x, double y) => Swish(x * y) + U(x, y, x - y);

    [Differentiable]
    public static double ChainRule(double x) => Swish(Swish(Math.Sin(x)));

    [Differentiable]
    public static double WithInteger(double x, int power)
    {
        double r = 1;
        for (int i = 0; i < power; i++)
        {
            r *= x;
        }

        return r + power;
    }

    [Differentiable]
    public static double SumOfSquares(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * x[i];
        }

        return s;
    }

    [Differentiable]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    [Differentiable]
    public static double LogSumExp(ReadOnlySpan<double> x)
    {
        double max = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            max = Math.Max(max, x[i]);
        }

        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += Math.Exp(x[i] - max);
        }

        return max + Math.Log(sum);
    }

    [Differentiable]
    public static double Rosenbrock(ReadOnlySpan<double> x)
    {
        double f = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = 1 - x[i];
            double b = x[i + 1] - x[i] * x[i];
            f += a * a + 100 * b * b;
        }

        return f;
    }

    [Differentiable]
    public static double RunningProduct(ReadOnlySpan<double> x, double scale)
    {
        double p = scale;
        for (int i = 0; i < x.Length; i++)
        {
            p = p * (1 + 0.1 * x[i]);
            if (p > 2)
            {
                p = Math.Sqrt(p);
            }
        }

        return p;
    }

    [Differentiable]
    public static double NestedLoops(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i; j < x.Length; j++)
            {
                s += Math.Sin(x[i] * x[j]) * (j - i + 1);
            }
        }

        return s;
    }

    [Differentiable]
    public static double MixedSpanAndScalar(ReadOnlySpan<double> w, double bias, double t)
    {
        double z = bias;
        for (int i = 0; i < w.Length; i++)
        {
            z += w[i] * (i + 1);
        }

        double y = 1 / (1 + Math.Exp(-z));
        return (y - t) * (y - t);
    }

    [Differentiable]
    public static double SiblingLoopsReuseNames(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
        }

        for (int i = 0; i < x.Length; i++)
        {
            s *= 1 + x[i] * 0.01;
        }

        return s;
    }

    // Issue #20 items 2, 5 and 6: each of these compiled as C# while its gradient did not, or was wrong.
    [Differentiable]
    public static double NamedPowerAndLog(double x) => Math.Pow(y: 2, x: x) + Math.Log(x, 2);

    [Differentiable]
    public static double NamedCall(double x, double y) => Product(y: y, x: x) + Math.PI * Math.E * x;

    [Differentiable]
    public static double CollidingNames(double x, double dx, double @in)
    {
        double adjoint_x = x * dx;
        double tape = 0;
        for (int i = 0; i < 3; i++)
        {
            tape += adjoint_x * @in + Math.Min(x, x);
        }

        return tape;
    }

    [Differentiable]
    public static float SingleCast(float x) => (float)Math.Sin(x) * x + (float)(Math.PI * x);

    [Differentiable]
    public static float SingleSwish(float x) => x / (1 + MathF.Exp(-x));

    [Differentiable]
    public static float SingleTrig(float x, float y) => MathF.Sin(x) * MathF.Cos(y) + MathF.Sqrt(x * x + 1);
}

/// <summary>Overloads of one name, each with its own generated gradient.</summary>
public static partial class Overloads
{
    [Differentiable]
    public static double Scale(double x) => 2 * x;

    [Differentiable]
    public static double Scale(double x, double factor) => factor * x;

    [Differentiable]
    public static double Scale(double x, int times) => times * x;
}
