// netstandard2.0 lacks the marker type that init-only setters and records compile against.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
