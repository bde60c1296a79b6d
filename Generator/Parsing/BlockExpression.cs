using System.Collections.Generic;

namespace Compiled.Generator.Parsing;

/// <summary>
/// The integer expressions a block's arguments may be written as: parameter names, int literals, <c>+ - * /</c>, unary
/// minus and parentheses, with the usual precedence; <c>/</c> divides exactly or is an error (a channel count that does
/// not divide evenly is a mistake, not something to round). Checked when the block is parsed (syntax, names) and
/// evaluated when it is used (values, overflow, division).
/// </summary>
internal static class BlockExpression
{
    /// <summary>Null when <paramref name="text"/> is an expression over <paramref name="parameters"/>; otherwise why not.</summary>
    public static string? Check(string text, IReadOnlyCollection<string> parameters)
    {
        var names = new HashSet<string>(parameters);
        var parser = new Parser(text, name => names.Contains(name) ? 1 : null, evaluate: false);
        return parser.Run(out _);
    }

    /// <summary>The value, or null with <paramref name="error"/> saying why (an unknown name, a division that is not exact, overflow).</summary>
    public static long? Evaluate(string text, IReadOnlyDictionary<string, int> values, out string error)
    {
        var parser = new Parser(text, name => values.TryGetValue(name, out int value) ? value : null, evaluate: true);
        string? problem = parser.Run(out long result);
        error = problem ?? "";
        return problem is null ? result : null;
    }

    private sealed class Parser
    {
        private readonly string _text;
        private readonly System.Func<string, long?> _lookup;
        private readonly bool _evaluate;
        private int _at;
        private string? _error;

        public Parser(string text, System.Func<string, long?> lookup, bool evaluate)
        {
            _text = text;
            _lookup = lookup;
            _evaluate = evaluate;
        }

        public string? Run(out long value)
        {
            value = Sum();
            SkipSpaces();
            if (_error is null && _at < _text.Length) _error = $"unexpected '{_text[_at]}' at position {_at + 1}";
            return _error;
        }

        private long Sum()
        {
            long value = Product();
            while (_error is null)
            {
                SkipSpaces();
                if (_at >= _text.Length || (_text[_at] != '+' && _text[_at] != '-')) break;
                char op = _text[_at++];
                long right = Product();
                value = Checked(op == '+' ? (decimal)value + right : (decimal)value - right);
            }
            return value;
        }

        private long Product()
        {
            long value = Unary();
            while (_error is null)
            {
                SkipSpaces();
                if (_at >= _text.Length || (_text[_at] != '*' && _text[_at] != '/')) break;
                char op = _text[_at++];
                long right = Unary();
                if (_error is not null) break;
                if (op == '*')
                {
                    value = Checked((decimal)value * right);
                }
                else if (_evaluate && right == 0)
                {
                    _error = "it divides by zero";
                }
                else if (_evaluate && value % right != 0)
                {
                    _error = $"{value} / {right} is not a whole number";
                }
                else if (_evaluate)
                {
                    value /= right;
                }
            }
            return value;
        }

        private long Unary()
        {
            SkipSpaces();
            if (_at < _text.Length && _text[_at] == '-')
            {
                _at++;
                return Checked(-(decimal)Unary());
            }
            return Atom();
        }

        private long Atom()
        {
            SkipSpaces();
            if (_error is not null) return 0;
            if (_at >= _text.Length)
            {
                _error = _text.Trim().Length == 0 ? "it is empty" : "it ends where a value is expected";
                return 0;
            }
            char c = _text[_at];
            if (c == '(')
            {
                _at++;
                long inner = Sum();
                SkipSpaces();
                if (_error is null && (_at >= _text.Length || _text[_at] != ')')) _error = "a '(' is not closed";
                else _at++;
                return inner;
            }
            if (c >= '0' && c <= '9')
            {
                int start = _at;
                while (_at < _text.Length && _text[_at] >= '0' && _text[_at] <= '9') _at++;
                if (!long.TryParse(_text.Substring(start, _at - start), out long number) || number > int.MaxValue)
                {
                    _error = $"the number {_text.Substring(start, _at - start)} is too large";
                    return 0;
                }
                return number;
            }
            if (IsLetter(c))
            {
                int start = _at;
                while (_at < _text.Length && (IsLetter(_text[_at]) || (_text[_at] >= '0' && _text[_at] <= '9'))) _at++;
                string name = _text.Substring(start, _at - start);
                long? value = _lookup(name);
                if (value is null) _error = $"'{name}' is not a parameter of the block";
                return value ?? 0;
            }
            _error = $"unexpected '{c}' at position {_at + 1}";
            return 0;
        }

        private long Checked(decimal value)
        {
            if (value > int.MaxValue || value < int.MinValue)
            {
                if (_evaluate && _error is null) _error = "its value does not fit an int";
                return 0;
            }
            return (long)value;
        }

        private void SkipSpaces()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
        }

        private static bool IsLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    /// <summary>Whether <paramref name="name"/> can name a parameter: a letter or '_', then letters, digits or '_'.</summary>
    public static bool IsName(string name)
    {
        if (name.Length == 0 || char.IsDigit(name[0])) return false;
        foreach (char c in name)
        {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))) return false;
        }
        return true;
    }
}
