using System.Globalization;
using System.Text;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>A parsed ARM template expression: a literal, or a function call followed by property and index accessors.</summary>
public abstract record ArmExpression
{
    /// <summary>Parses the text between the brackets of <c>"[...]"</c>.</summary>
    public static ArmExpression Parse(string text)
    {
        var parser = new Parser(text);
        var expression = parser.ParseExpression();
        parser.ExpectEnd();
        return expression;
    }

    private sealed class Parser(string text)
    {
        private int _position;

        public ArmExpression ParseExpression()
        {
            SkipSpaces();
            ArmExpression expression;
            var c = Peek();
            if (c == '\'')
            {
                expression = new ArmLiteral(ReadString());
            }
            else if (char.IsDigit(c) || c == '-')
            {
                expression = new ArmNumber(ReadNumber());
            }
            else if (char.IsLetter(c))
            {
                var name = ReadIdentifier();
                Expect('(');
                var arguments = new List<ArmExpression>();
                SkipSpaces();
                if (Peek() != ')')
                {
                    do
                    {
                        arguments.Add(ParseExpression());
                        SkipSpaces();
                    }
                    while (TryRead(','));
                }

                Expect(')');
                expression = new ArmCall(name, arguments);
            }
            else
            {
                throw Error("an expression");
            }

            var accessors = new List<ArmExpression>();
            while (true)
            {
                SkipSpaces();
                if (TryRead('.'))
                {
                    accessors.Add(new ArmLiteral(ReadIdentifier()));
                }
                else if (TryRead('['))
                {
                    accessors.Add(ParseExpression());
                    Expect(']');
                }
                else
                {
                    break;
                }
            }

            return accessors.Count == 0 ? expression : new ArmAccess(expression, accessors);
        }

        public void ExpectEnd()
        {
            SkipSpaces();
            if (_position != text.Length)
            {
                throw Error("the end");
            }
        }

        private string ReadString()
        {
            Expect('\'');
            var value = new StringBuilder();
            while (true)
            {
                if (_position >= text.Length)
                {
                    throw Error("a closing quote");
                }

                var c = text[_position++];
                if (c == '\'')
                {
                    if (Peek() != '\'')
                    {
                        return value.ToString();
                    }

                    _position++;
                }

                value.Append(c);
            }
        }

        private long ReadNumber()
        {
            var start = _position;
            if (Peek() == '-')
            {
                _position++;
            }

            while (char.IsDigit(Peek()))
            {
                _position++;
            }

            return long.Parse(text.AsSpan(start, _position - start), CultureInfo.InvariantCulture);
        }

        private string ReadIdentifier()
        {
            SkipSpaces();
            var start = _position;
            while (char.IsLetterOrDigit(Peek()) || Peek() == '_')
            {
                _position++;
            }

            return _position > start ? text[start.._position] : throw Error("a name");
        }

        private void Expect(char c)
        {
            if (!TryRead(c))
            {
                throw Error($"'{c}'");
            }
        }

        private bool TryRead(char c)
        {
            SkipSpaces();
            if (Peek() != c)
            {
                return false;
            }

            _position++;
            return true;
        }

        private char Peek() => _position < text.Length ? text[_position] : '\0';

        private void SkipSpaces()
        {
            while (char.IsWhiteSpace(Peek()))
            {
                _position++;
            }
        }

        private FormatException Error(string expected) =>
            new($"Expected {expected} at {_position} in ARM expression [{text}].");
    }
}

public sealed record ArmLiteral(string Value) : ArmExpression;

public sealed record ArmNumber(long Value) : ArmExpression;

public sealed record ArmCall(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;

public sealed record ArmAccess(ArmExpression Target, IReadOnlyList<ArmExpression> Accessors) : ArmExpression;
