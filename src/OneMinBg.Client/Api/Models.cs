using System;
using System.Collections.Generic;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Api;

/// <summary>An image uploaded with POST /api/assets.</summary>
public sealed class UploadedAsset
{
    public UploadedAsset(string key, string? name, long? size, string? mimeType)
    {
        Key = key;
        Name = name;
        Size = size;
        MimeType = mimeType;
    }

    /// <summary>The storage key to pass on as promptObject.imageUrl (fileContent.path, else asset.key).</summary>
    public string Key { get; }
    public string? Name { get; }
    public long? Size { get; }
    public string? MimeType { get; }
}

/// <summary>
/// One aiRecord as the service reports it, parsed defensively: every field the
/// service may omit is nullable, and the variants of ONEMIN-API.md are folded here.
/// </summary>
public sealed class AiRecord
{
    /// <summary>The status of a record whose image is done.</summary>
    public const string SuccessStatus = "SUCCESS";

    public AiRecord(string id, string status)
    {
        Id = id;
        Status = status;
    }

    public string Id { get; }
    /// <summary>As sent by the service: SUCCESS, PROCESSING, FAILURE, FAILED, ...</summary>
    public string Status { get; }
    public bool IsSuccess => IsSuccessStatus(Status);
    /// <summary>The service is still working on it (async): its result is to be looked up later.</summary>
    public bool IsPending => IsPendingStatus(Status);
    public string? Model { get; set; }
    public string? Type { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    /// <summary>aiRecordDetail.resultObject: relative storage keys of the results.</summary>
    public IReadOnlyList<string> ResultKeys { get; set; } = Array.Empty<string>();
    /// <summary>
    /// Presigned download URL of the first result (inside aiRecord or at the top level); null when absent or empty.
    /// </summary>
    public string? TemporaryUrl { get; set; }
    public decimal? CreditLimit { get; set; }
    public decimal? UsedCredit { get; set; }
    /// <summary>The echo of aiRecordDetail.promptObject, where present.</summary>
    public string? ImageUrl { get; set; }
    public string? Prompt { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }

    /// <summary>Set on a record known only by the uuid of an answer that could not be read: why it could not.</summary>
    internal string? Unreadable { get; set; }

    /// <summary>The statuses of a record still being worked on (PROCESSING is the one documented).</summary>
    public static bool IsPendingStatus(string? status) =>
        status != null && (status.Equals("PROCESSING", StringComparison.OrdinalIgnoreCase)
            || status.Equals("PENDING", StringComparison.OrdinalIgnoreCase)
            || status.Equals("QUEUED", StringComparison.OrdinalIgnoreCase)
            || status.Equals("IN_PROGRESS", StringComparison.OrdinalIgnoreCase));

    /// <summary>The one test of a status for success (the service's case is not relied on).</summary>
    public static bool IsSuccessStatus(string? status) =>
        string.Equals(status, SuccessStatus, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A result saved by <see cref="OneMinClient.DownloadAsync"/>: a complete image at its final path.</summary>
public sealed class DownloadedFile
{
    public DownloadedFile(string path, long length, string sha256, ImageInfo image)
    {
        Path = path;
        Length = length;
        Sha256 = sha256;
        Image = image;
    }

    /// <summary>The full path of the saved file.</summary>
    public string Path { get; }
    public long Length { get; }
    /// <summary>Lower-case hex SHA-256 of the saved bytes, computed as they arrived.</summary>
    public string Sha256 { get; }
    public ImageInfo Image { get; }
}
