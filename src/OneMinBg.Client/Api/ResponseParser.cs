using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OneMinBg.Client.Common;

namespace OneMinBg.Client.Api;

/// <summary>A 200 body whose shape this client cannot use; the message says what was missing.</summary>
internal sealed class ResponseFormatException : Exception
{
    public ResponseFormatException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Lenient reads of a JsonElement: exact property name first, then any casing; wrong kinds read as absent.
/// </summary>
internal static class Json
{
    public static string DecodeUtf8(byte[] body)
    {
        int start = body.Length >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF ? 3 : 0;
        return Encoding.UTF8.GetString(body, start, body.Length - start);
    }

    public static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (element.TryGetProperty(name, out JsonElement value))
        {
            return value;
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    public static JsonElement? Object(JsonElement element, string name)
    {
        JsonElement? value = Property(element, name);
        return value?.ValueKind == JsonValueKind.Object ? value : null;
    }

    /// <summary>A non-empty string, or a number's text (ids are sometimes numbers); otherwise null.</summary>
    public static string? String(JsonElement element, string name)
    {
        JsonElement? value = Property(element, name);
        switch (value?.ValueKind)
        {
            case JsonValueKind.String:
                string? text = value.Value.GetString();
                return string.IsNullOrWhiteSpace(text) ? null : text!.Trim();
            case JsonValueKind.Number:
                return value.Value.GetRawText();
            default:
                return null;
        }
    }

    /// <summary>A number or a numeric string.</summary>
    public static decimal? Decimal(JsonElement element, string name)
    {
        JsonElement? value = Property(element, name);
        if (value?.ValueKind == JsonValueKind.Number)
        {
            return value.Value.TryGetDecimal(out decimal number) ? number : (decimal?)null;
        }

        if (value?.ValueKind == JsonValueKind.String
            && decimal.TryParse(value.Value.GetString()?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture,
                out decimal parsed))
        {
            return parsed;
        }

        return null;
    }
}

/// <summary>
/// Reads the service's 200 bodies, folding the variants of ONEMIN-API.md into the models.
/// Throws <see cref="ResponseFormatException"/> when the one thing a caller needs is absent.
/// </summary>
internal static class ResponseParser
{
    /// <summary>The service's bucket, the first segment of a path-style asset.location.</summary>
    private const string ServiceBucket = "asset.1min.ai";

    /// <summary>
    /// POST /api/assets: the key is fileContent.path, else asset.key, else the path of asset.location
    /// (without the bucket, for path-style S3 URLs).
    /// </summary>
    public static UploadedAsset ParseUpload(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ResponseFormatException("the body is not a JSON object");
        }

        JsonElement? fileContent = Json.Object(root, "fileContent");
        JsonElement? asset = Json.Object(root, "asset");
        string? key = (fileContent == null ? null : Json.String(fileContent.Value, "path"))
            ?? (asset == null ? null : Json.String(asset.Value, "key"))
            ?? (asset == null
                ? null
                : KeyFromLocation(Json.String(asset.Value, "location"), Json.String(asset.Value, "bucket")));
        if (key == null)
        {
            throw new ResponseFormatException("it has no fileContent.path, asset.key or asset.location");
        }

        string? name = (fileContent == null ? null : Json.String(fileContent.Value, "name"))
            ?? (asset == null ? null : Json.String(asset.Value, "originalname") ?? Json.String(asset.Value, "name"));
        decimal? size = asset == null ? null : Json.Decimal(asset.Value, "size");
        string? mimeType = asset == null
            ? null
            : Json.String(asset.Value, "mimetype") ?? Json.String(asset.Value, "contentType");
        return new UploadedAsset(key, name, size.HasValue ? (long)size.Value : (long?)null, mimeType);
    }

    private static string? KeyFromLocation(string? location, string? bucket)
    {
        if (location == null || !Uri.TryCreate(location, UriKind.Absolute, out Uri? url))
        {
            return null;
        }

        string path = Uri.UnescapeDataString(url.AbsolutePath).TrimStart('/');
        // Path-style S3 (https://s3.<region>.amazonaws.com/<bucket>/<key>) puts the bucket first.
        int slash = path.IndexOf('/');
        string first = slash < 0 ? "" : path.Substring(0, slash);
        bool pathStyle = string.Equals(first, bucket ?? ServiceBucket, StringComparison.Ordinal)
            || (bucket == null && (url.Host.StartsWith("s3.", StringComparison.OrdinalIgnoreCase)
                || url.Host.StartsWith("s3-", StringComparison.OrdinalIgnoreCase)));
        if (pathStyle)
        {
            path = path.Substring(slash + 1);
        }

        return path.Length == 0 ? null : path;
    }

    /// <summary>A record uuid: the service's are GUIDs; anything of these characters is accepted.</summary>
    private static readonly Regex UuidProperty =
        new Regex("\"uuid\"\\s*:\\s*\"([A-Za-z0-9_-]{1,100})\"", RegexOptions.CultureInvariant);

    /// <summary>
    /// The record's uuid in a feature answer that cannot be parsed (cut off, or not quite JSON): the first
    /// complete "uuid" string after "aiRecord" (its first field), or anywhere when there is no "aiRecord".
    /// Null when none is complete. Only a lookup tells whether it is a record of this account.
    /// </summary>
    public static string? UuidIn(byte[] body)
    {
        string text = Json.DecodeUtf8(body);
        int start = text.IndexOf("\"aiRecord\"", StringComparison.OrdinalIgnoreCase);
        Match match = UuidProperty.Match(text, Math.Max(0, start));
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>
    /// {"aiRecord": {...}} (temporaryUrl inside it or at the top level); null for {"aiRecord": null}.
    /// A body that is itself a record (has uuid) is accepted too.
    /// </summary>
    public static AiRecord? ParseRecordEnvelope(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ResponseFormatException("the body is not a JSON object");
        }

        JsonElement record;
        JsonElement? wrapped = Json.Property(root, "aiRecord");
        if (wrapped != null)
        {
            if (wrapped.Value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (wrapped.Value.ValueKind != JsonValueKind.Object)
            {
                throw new ResponseFormatException("aiRecord is not an object");
            }

            record = wrapped.Value;
        }
        else if (Json.String(root, "uuid") != null)
        {
            record = root;
        }
        else
        {
            throw new ResponseFormatException("it has no aiRecord");
        }

        return ParseRecord(record, root);
    }

    private static AiRecord ParseRecord(JsonElement record, JsonElement root)
    {
        string? id = Json.String(record, "uuid") ?? Json.String(record, "id");
        string? status = Json.String(record, "status");
        if (id == null && status == null)
        {
            throw new ResponseFormatException("aiRecord has neither uuid nor status");
        }

        var result = new AiRecord(id ?? "", status ?? "UNKNOWN")
        {
            Model = Json.String(record, "model"),
            Type = Json.String(record, "type"),
            CreatedAt = Date(Json.Property(record, "createdAt")),
            TemporaryUrl = DownloadUrl(Json.Property(record, "temporaryUrl"))
                ?? DownloadUrl(Json.Property(root, "temporaryUrl")),
        };

        JsonElement? team = Json.Object(record, "teamUser") ?? Json.Object(root, "teamUser");
        if (team != null)
        {
            result.CreditLimit = Json.Decimal(team.Value, "creditLimit");
            result.UsedCredit = Json.Decimal(team.Value, "usedCredit");
        }

        JsonElement? detail = AsObject(Json.Property(record, "aiRecordDetail"));
        result.ResultKeys = Strings((detail == null ? null : Json.Property(detail.Value, "resultObject"))
            ?? Json.Property(record, "resultObject"));
        JsonElement? prompt = detail == null ? null : AsObject(Json.Property(detail.Value, "promptObject"));
        if (prompt != null)
        {
            result.ImageUrl = Json.String(prompt.Value, "imageUrl");
            result.Prompt = Json.String(prompt.Value, "prompt");
            result.Size = Json.String(prompt.Value, "size");
            result.Quality = Json.String(prompt.Value, "quality");
            result.Background = Json.String(prompt.Value, "background");
        }

        return result;
    }

    /// <summary>An object, or the object a JSON string holds (some stores serialise nested objects).</summary>
    private static JsonElement? AsObject(JsonElement? value)
    {
        if (value?.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        string? text = value?.ValueKind == JsonValueKind.String ? value.Value.GetString()?.Trim() : null;
        if (text == null || !text.StartsWith("{", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An array of strings (other items skipped), or a single string.</summary>
    private static IReadOnlyList<string> Strings(JsonElement? value)
    {
        var keys = new List<string>();
        if (value?.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in value.Value.EnumerateArray())
            {
                string? text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                if (!string.IsNullOrWhiteSpace(text))
                {
                    keys.Add(text!.Trim());
                }
            }
        }
        else if (value?.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.Value.GetString()))
        {
            keys.Add(value.Value.GetString()!.Trim());
        }

        return keys;
    }

    /// <summary>An absolute http(s) URL; "", null, missing or anything else is no link.</summary>
    /// <summary>An absolute http(s) link, as the one text every later shape (journal, BgResult) keeps.</summary>
    private static string? DownloadUrl(JsonElement? value)
    {
        string? text = value?.ValueKind == JsonValueKind.String ? value.Value.GetString()?.Trim() : null;
        if (string.IsNullOrEmpty(text) || !Uri.TryCreate(text, UriKind.Absolute, out Uri? url))
        {
            return null;
        }

        return url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp ? url.AbsoluteUri : null;
    }

    /// <summary>An ISO 8601 string, or Unix time in seconds or milliseconds.</summary>
    private static DateTimeOffset? Date(JsonElement? value)
    {
        if (value?.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.Value.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
        {
            return date;
        }

        if (value?.ValueKind == JsonValueKind.Number && value.Value.TryGetInt64(out long number) && number > 0)
        {
            try
            {
                return number > 100_000_000_000L
                    ? DateTimeOffset.FromUnixTimeMilliseconds(number)
                    : DateTimeOffset.FromUnixTimeSeconds(number);
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        return null;
    }
}
