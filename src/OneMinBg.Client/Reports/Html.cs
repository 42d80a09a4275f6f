using System.Text;

namespace OneMinBg.Client.Reports;

/// <summary>Escaping for the report: every text (prompts are user text) and every attribute value.</summary>
public static class Html
{
    /// <summary>
    /// Text or a double-quoted attribute value, escaped so it can never end its element or attribute. Control
    /// characters other than tab and line breaks (not allowed in HTML) become U+FFFD.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var builder = new StringBuilder(text!.Length + 16);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                case '\t' or '\n' or '\r': builder.Append(c); break;
                case < ' ' or '\u007f': builder.Append('\uFFFD'); break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }
}
