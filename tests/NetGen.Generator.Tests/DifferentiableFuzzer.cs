using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

/// <summary>What a fuzzed declaration is meant to be.</summary>
internal enum FuzzExpectation
{
    /// <summary>Supported throughout: the generator must accept it, and its gradient must be right.</summary>
    Accepted,

    /// <summary>Carries one unsupported construct: the generator must report an NG diagnostic.</summary>
    Rejected,

    /// <summary>Mutated at the token level: anything but a crash, and if it compiles and is accepted, a right gradient.</summary>
    Unknown,
}

/// <summary>A fuzzed source with one or more [Differentiable] methods, and what it is meant to be.</summary>
internal sealed record FuzzedDeclaration(string Source, FuzzExpectation Expectation, string Mutation);

/// <summary>
/// Draws random [Differentiable] declarations from a seed: bodies over parameters with + − × ÷, the supported Math and
/// MathF functions (each on a domain where it is smooth), locals, if/else, ?:, for loops, calls between [Differentiable]
/// methods and named arguments, in float or double, with names chosen to collide with the names a gradient adds.
/// A share of them carry one unsupported construct, and a share are mutated token by token.
/// </summary>
internal sealed class DifferentiableFuzzer(Random random)
{
    private static readonly string[] ParameterNames = ["x", "y", "z", "dx", "dy", "adjoint_x", "tape", "@in", "@do", "o", "value1", "result", "a", "b"];

    private static readonly string[] LocalNames =
        ["t", "u", "w", "dz", "adjoint_y", "tapeValues", "@class", "value2", "x_before1", "branch1", "iterations1", "adjoint1", "partial1", "tapeIntegers", "result", "dx", "da"];

    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _declaredLocals = new();
    private bool _float;
    private string _t = "double";
    private bool _mathF;
    private bool _helper;
    private string? _integer;
    private string? _span;
    private int _loopDepth;

    /// <summary>The next declaration.</summary>
    public FuzzedDeclaration Next()
    {
        int kind = random.Next(20);
        FuzzedDeclaration valid = Valid(out string parameters, out string signature, out string call);
        if (kind < 11)
        {
            return valid;
        }

        if (kind < 17)
        {
            return Reject(parameters, signature, call);
        }

        return MutateTokens(valid);
    }

    private FuzzedDeclaration Valid(out string parameters, out string signature, out string call)
    {
        _used.Clear();
        _declaredLocals.Clear();
        _float = random.Next(3) == 0;
        _t = _float ? "float" : "double";
        _mathF = _float && random.Next(2) == 0;
        _helper = random.Next(2) == 0;
        _loopDepth = 0;

        var reals = new List<string>();
        int count = random.Next(1, 4);
        while (reals.Count < count)
        {
            string name = ParameterNames[random.Next(ParameterNames.Length)];
            if (_used.Add(name))
            {
                reals.Add(name);
            }
        }

        _integer = random.Next(3) == 0 ? Reserve(["n", "count", "@int"]) : null;
        _span = random.Next(4) == 0 ? Reserve(["v", "values", "dv"]) : null;
        var all = reals.Select(r => $"{_t} {r}").ToList();
        if (_integer is not null)
        {
            all.Insert(random.Next(all.Count + 1), $"int {_integer}");
        }

        if (_span is not null)
        {
            all.Insert(random.Next(all.Count + 1), $"ReadOnlySpan<{_t}> {_span}");
        }

        parameters = string.Join(", ", all);
        call = string.Join(", ", all.Select(p => p.Split(' ')[^1]));
        var scope = new List<string>(reals);
        var body = new StringBuilder();
        int statements = random.Next(0, 5);
        for (int i = 0; i < statements; i++)
        {
            Statement(body, scope, "        ");
        }

        string result = Expression(scope, 3);
        foreach (string local in _declaredLocals)
        {
            result = $"{result} + {local} * {Constant()}";
        }

        string method = statements == 0 && random.Next(2) == 0
            ? $" => {result};"
            : random.Next(4) == 0
                ? $"\n    {{\n{body}        if ({Condition(scope)})\n        {{\n            return {result};\n        }}\n        else\n        {{\n            return {Expression(scope, 2)};\n        }}\n    }}"
                : $"\n    {{\n{body}        return {result};\n    }}";
        signature = $"public static {_t} F({parameters})";
        string helper = _helper
            ? $"    [Differentiable]\n    public static {_t} H({_t} p, {_t} q) => {HelperBody()};\n\n"
            : string.Empty;
        string source = Wrap(helper + $"    [Differentiable]\n    {signature}{method}\n");
        return new FuzzedDeclaration(source, FuzzExpectation.Accepted, "none");
    }

    private string Wrap(string members, string partial = "partial ", string ns = "namespace Fuzzed;\n")
        => $"using System;\nusing NetGen;\n{ns}public {partial}class Functions\n{{\n    public static double Field;\n\n    public static double Helper(double v) => v;\n\n{members}}}\n";

    private string HelperBody()
    {
        var scope = new List<string> { "p", "q" };
        (bool helper, string? integer, string? span) = (_helper, _integer, _span);
        (_helper, _integer, _span) = (false, null, null);
        string body = Expression(scope, 2);
        (_helper, _integer, _span) = (helper, integer, span);
        return body;
    }

    private string Reserve(string[] names)
    {
        string[] free = names.Where(n => !_used.Contains(n)).ToArray();
        string name = free.Length == 0 ? names[0] + "_" + _used.Count : free[random.Next(free.Length)];
        _used.Add(name);
        return name;
    }

    private void Statement(StringBuilder body, List<string> scope, string indent)
    {
        switch (random.Next(_loopDepth < 2 ? 6 : 4))
        {
            case 0:
            case 1:
            {
                string local = Reserve(LocalNames);
                body.Append($"{indent}{_t} {local} = {Expression(scope, 2)};\n");
                scope.Add(local);
                if (_loopDepth == 0 && indent.Length == 8)
                {
                    _declaredLocals.Add(local);
                }
                else
                {
                    // A local of an inner scope is read there, so that no local goes unused.
                    string target = scope[random.Next(scope.Count - 1)];
                    body.Append($"{indent}{target} = {target} * {Constant(0.5)} + {Smooth(local)};\n");
                }

                break;
            }

            case 2:
            {
                string target = scope[random.Next(scope.Count)];
                body.Append(random.Next(5) switch
                {
                    0 => $"{indent}{target} = {Assigned(target, scope)};\n",
                    1 => $"{indent}{target} += {Expression(scope, 2)};\n",
                    2 => $"{indent}{target} -= {Expression(scope, 1)};\n",
                    3 => $"{indent}{target} *= {Smooth(Expression(scope, 1))};\n",
                    _ => $"{indent}{target} /= {Positive(scope, 1)};\n",
                });
                break;
            }

            case 3:
            {
                string target = scope[random.Next(scope.Count)];
                body.Append($"{indent}if ({Condition(scope)})\n{indent}{{\n{indent}    {target} = {Assigned(target, scope)};\n{indent}}}\n");
                if (random.Next(2) == 0)
                {
                    body.Append($"{indent}else\n{indent}{{\n{indent}    {target} += {Expression(scope, 1)};\n{indent}}}\n");
                }

                break;
            }

            default:
            {
                string index = Reserve(["i", "j", "k"]);
                string bound = random.Next(3) switch
                {
                    0 when _integer is not null => _integer,
                    1 when _span is not null => $"{_span}.Length",
                    _ => random.Next(1, 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                body.Append($"{indent}for (int {index} = 0; {index} < {bound}; {index}++)\n{indent}{{\n");
                _loopDepth++;
                string target = scope[random.Next(scope.Count)];
                var inner = new List<string>(scope);
                string element = bound.EndsWith(".Length", StringComparison.Ordinal) ? $"{_span}[{index}]" : $"{index}";
                body.Append($"{indent}    {target} = {target} * {Constant(0.5)} + {Smooth($"{Expression(inner, 1)} * {element}")};\n");
                int more = random.Next(0, 2);
                for (int i = 0; i < more; i++)
                {
                    Statement(body, inner, indent + "    ");
                }

                _loopDepth--;
                body.Append($"{indent}}}\n");
                break;
            }
        }
    }

    /// <summary>A value for <paramref name="target"/>, never the target itself (warning CS1717).</summary>
    private string Assigned(string target, List<string> scope)
    {
        string value = Expression(scope, 2);
        return value == target ? $"{target} * {Constant()}" : value;
    }

    private string Condition(List<string> scope)
    {
        string left = Variable(scope), right = Expression(scope, 1);
        if (left == right)
        {
            right = Constant(0.25);
        }

        return $"{left} {(random.Next(2) == 0 ? ">" : "<")} {right}";
    }

    private string Variable(List<string> scope) => scope[random.Next(scope.Count)];

    private string Constant() => Constant(new[] { 0.5, 2, 1.5, 0.25, 3, 0.75 }[random.Next(6)]);

    private string Constant(double value)
        => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + (_float && value != Math.Floor(value) ? "f" : string.Empty);

    /// <summary>A call of a Math function: MathF.F(args) in a MathF float body, (float)Math.F(args) in another float body.</summary>
    private string Call(string function, params string[] arguments)
    {
        string call = $"{(_mathF ? "MathF" : "Math")}.{function}({string.Join(", ", arguments)})";
        return _float && !_mathF ? $"(float){call}" : call;
    }

    /// <summary>A bounded, smooth function of an expression.</summary>
    private string Smooth(string e) => Call(new[] { "Sin", "Cos", "Tanh", "Atan" }[random.Next(4)], e);

    /// <summary>An expression that is positive (at least 1, or e^sin) wherever it is evaluated.</summary>
    private string Positive(List<string> scope, int depth)
    {
        string e = Expression(scope, depth);
        return random.Next(4) switch
        {
            0 => $"({e} * {e} + 1)",
            1 => Call("Exp", Call("Sin", e)),
            2 => $"({Constant(2)} + {Call("Sin", e)})",
            _ => Call("Cosh", Call("Tanh", e)),
        };
    }

    private string Pi()
        => _float ? (_mathF ? "MathF.PI" : "(float)Math.PI") : random.Next(2) == 0 ? "Math.PI" : "Math.E";

    private string Expression(List<string> scope, int depth)
    {
        if (depth <= 0 || random.Next(4) == 0)
        {
            return random.Next(6) switch
            {
                0 => Constant(),
                1 => Pi(),
                2 when _span is not null => $"{_span}[{random.Next(3)}]",
                3 when _integer is not null => $"({_t}){_integer}",
                _ => Variable(scope),
            };
        }

        string E() => Expression(scope, depth - 1);
        switch (random.Next(22))
        {
            case 0: return $"{E()} + {E()}";
            case 1: return $"{E()} - {E()}";
            case 2: return $"({E()}) * ({E()})";
            case 3: return $"-({E()})";
            case 4: return $"({E()}) / {Positive(scope, depth - 1)}";
            case 5: return Smooth(E());
            case 6: return Call("Exp", Call("Sin", E()));
            case 7: return Call(new[] { "Log", "Sqrt", "Log10" }[random.Next(3)], Positive(scope, depth - 1));
            case 8:
                // Named arguments in the order opposite to the parameters': Math.Log(a, newBase), MathF.Log(x, y).
                return random.Next(2) == 0
                    ? Call("Log", Positive(scope, depth - 1), random.Next(2) == 0 ? "2" : Positive(scope, depth - 1))
                    : Call("Log", $"{(_mathF ? "y" : "newBase")}: {Constant(3)}", $"{(_mathF ? "x" : "a")}: {Positive(scope, depth - 1)}");
            case 9: return Call("Pow", Positive(scope, depth - 1), Call("Sin", E()));
            case 10: return random.Next(2) == 0 ? Call("Pow", E(), "2") : Call("Pow", "y: 3", $"x: {E()}");
            case 11: return Call("Asin", $"{Constant(0.5)} * {Call("Sin", E())}");
            case 12: return Call("Acos", $"{Constant(0.5)} * {Call("Tanh", E())}");
            case 13: return Call("Tan", $"{Constant(0.5)} * {Call("Sin", E())}");
            case 14: return Call(random.Next(2) == 0 ? "Sinh" : "Cosh", Call("Sin", E()));
            case 15: return Call("Abs", E());
            case 16:
            {
                string function = random.Next(2) == 0 ? "Max" : "Min";
                if (random.Next(3) == 0)
                {
                    string same = Variable(scope);
                    return Call(function, same, same);
                }

                return Call(function, E(), E());
            }

            case 17: return $"({Condition(scope)} ? {E()} : {E()})";
            case 18 when _helper:
                return random.Next(3) switch
                {
                    0 => $"H({E()}, {E()})",
                    1 => $"H(q: {E()}, p: {E()})",
                    _ => $"H({E()}, q: {E()})",
                };
            case 19 when _float: return $"(float)({E()} * {(random.Next(2) == 0 ? "Math.PI" : "0.5")})";
            case 20: return $"{E()} * {Pi()}";
            default: return Variable(scope);
        }
    }

    /// <summary>The valid declaration with one unsupported construct in it.</summary>
    private FuzzedDeclaration Reject(string parameters, string signature, string call)
    {
        string realParameter = parameters.Split(", ").First(p => p.StartsWith(_t + " ", StringComparison.Ordinal)).Split(' ')[1];
        string x = realParameter;
        string method = $"    [Differentiable]\n    {signature}\n    {{\n        STATEMENT\n        return {x} * {x};\n    }}\n";
        string Body(string statement) => method.Replace("STATEMENT", statement, StringComparison.Ordinal);
        (string members, string mutation, string partial) = random.Next(20) switch
        {
            0 => (Body($"while ({x} > 10) {{ {x} = {x} / 2; }}"), "while", "partial "),
            1 => (Body($"do {{ {x} = {x} / 2; }} while ({x} > 10);"), "do", "partial "),
            2 => (Body($"Console.WriteLine({x});"), "Console.WriteLine", "partial "),
            3 => (Body($"Field = {x};"), "field write", "partial "),
            4 => (Body($"{x} = {x} + ({_t})Field;"), "field read", "partial "),
            5 => (method.Replace($"F({parameters})", $"F({parameters.Replace($"{_t} {x}", $"ref {_t} {x}", StringComparison.Ordinal)})", StringComparison.Ordinal), "ref parameter", "partial "),
            6 => (Body($"if ({x} > 100) {{ {x} = F({call}); }}"), "recursion", "partial "),
            7 => (Body($"foreach (char c in \"ab\") {{ {x} += c; }}"), "foreach", "partial "),
            8 => (Body($"if ({x} < -100) {{ return 0; }}"), "early return", "partial "),
            9 => (Body($"{x} = {x} % 2;"), "% on a real", "partial "),
            10 => (Body($"{x} = ({_t})Helper({x});"), "non-differentiable call", "partial "),
            11 => (method.Replace("public static", "public", StringComparison.Ordinal), "instance method", "partial "),
            12 => (method, "type not partial", string.Empty),
            13 => (method.Replace($"F({parameters})", $"F({parameters}, decimal money)", StringComparison.Ordinal), "decimal parameter", "partial "),
            14 => (Body($"[Differentiable] static {_t} Square({_t} q) => q * q;\n        {x} = Square({x});"), "local function", "partial "),
            15 => (method + $"\n    public static Func<{_t}, {_t}> Lambda = [Differentiable] static ({_t} q) => q * q;\n", "lambda", "partial "),
            16 => (Body($"{x} = ({_t})Math.Atan2({x}, 1);"), "Math.Atan2", "partial "),
            17 => (Body($"switch ({x} > 0) {{ case true: {x} = 1; break; }}"), "switch", "partial "),
            18 => (Body($"{x} = ({_t})Math.Round({x});"), "Math.Round", "partial "),
            _ => (Body($"string label = \"{x}\"; {x} += label.Length;"), "string local", "partial "),
        };
        return new FuzzedDeclaration(Wrap(members, partial), FuzzExpectation.Rejected, mutation);
    }

    /// <summary>The valid declaration with one token of F's body deleted, doubled or swapped with its neighbour.</summary>
    private FuzzedDeclaration MutateTokens(FuzzedDeclaration valid)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(valid.Source);
        Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax method = tree.GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Last();
        SyntaxToken[] tokens = method.DescendantTokens().ToArray();
        int index = random.Next(tokens.Length);
        SyntaxToken token = tokens[index];
        string text = valid.Source;
        int start = token.SpanStart, end = token.Span.End;
        (string mutated, string mutation) = random.Next(3) switch
        {
            0 => (text.Remove(start, end - start), $"deleted '{token.Text}'"),
            1 => (text.Insert(end, " " + token.Text), $"doubled '{token.Text}'"),
            _ when index + 1 < tokens.Length => (
                text[..start] + tokens[index + 1].Text + text[end..tokens[index + 1].SpanStart] + token.Text + text[tokens[index + 1].Span.End..],
                $"swapped '{token.Text}' and '{tokens[index + 1].Text}'"),
            _ => (text.Remove(start, end - start), $"deleted '{token.Text}'"),
        };
        return new FuzzedDeclaration(mutated, FuzzExpectation.Unknown, mutation);
    }
}
