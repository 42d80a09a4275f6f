using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace OneMinBg;

/// <summary>
/// The storage keys of a record's result images: a read-only list, so <c>$r.ResultKeys[0]</c>, <c>-contains</c>
/// and <c>foreach</c> work as on an array, whose text is the keys joined by "; ", so Export-Csv writes the keys
/// and not "System.String[]".
/// </summary>
public sealed class ResultKeyList : ReadOnlyCollection<string>
{
    /// <summary>The separator of the keys in the text (a key is a storage path: it holds no ';').</summary>
    public const string Separator = "; ";

    internal static readonly ResultKeyList Empty = new ResultKeyList(Array.Empty<string>());

    public ResultKeyList(IEnumerable<string> keys)
        : base(new List<string>(keys ?? Array.Empty<string>()))
    {
    }

    /// <summary>As on the array this used to be (scripts of earlier versions read <c>.Length</c>).</summary>
    public int Length => Count;

    public override string ToString() => string.Join(Separator, this);
}
