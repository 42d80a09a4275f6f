using System;
using OneMinBg.Client;

namespace OneMinBg
{
    /// <summary>
    /// One background replacement: what was asked, what the service answered, where the result is.
    /// Plain properties only, so Export-Csv, ConvertTo-Json and Where-Object work on it as users expect.
    /// </summary>
    public sealed class BgResult
    {
        /// <summary>The service's record uuid; Get-BgResult -Id takes it.</summary>
        public string Id { get; set; } = "";
        /// <summary>SUCCESS when the image is done; anything else is not.</summary>
        public string Status { get; set; } = "";
        /// <summary>The local file the image came from; empty for -ImageUrl input.</summary>
        public string? SourcePath { get; set; }
        /// <summary>The uploaded asset key (or URL) the feature ran on.</summary>
        public string? ImageUrl { get; set; }
        public string? Prompt { get; set; }
        public string? Size { get; set; }
        public string? Quality { get; set; }
        public string? Background { get; set; }
        public string? Model { get; set; }
        /// <summary>Storage keys of the result images, relative to the service's bucket.</summary>
        public string[] ResultKeys { get; set; } = Array.Empty<string>();
        /// <summary>Presigned download link for the first result; valid about 7 days. Get-BgResult renews it.</summary>
        public string? TemporaryUrl { get; set; }
        /// <summary>When the service created the record (UTC).</summary>
        public DateTime? CreatedAt { get; set; }
        /// <summary>The team's used credits as the service reported them with this record.</summary>
        public decimal? UsedCredit { get; set; }
        /// <summary>The team's credit limit as the service reported it with this record.</summary>
        public decimal? CreditLimit { get; set; }
        /// <summary>The API the record lives on, so Get-BgResult and Save-BgImage ask the same service again.</summary>
        public string? BaseUri { get; set; }

        internal bool IsSuccess => string.Equals(Status, "SUCCESS", StringComparison.OrdinalIgnoreCase);

        internal static BgResult From(AiRecord record, Uri baseUri, string? sourcePath, BackgroundRequest? request)
        {
            return new BgResult
            {
                Id = record.Id,
                Status = record.Status,
                SourcePath = sourcePath,
                // The request is what we asked for; the record's echo is the fallback for looked-up records.
                ImageUrl = request?.ImageUrl ?? record.ImageUrl,
                Prompt = request?.Prompt ?? record.Prompt,
                Size = request?.Size ?? record.Size,
                Quality = request?.Quality ?? record.Quality,
                Background = request?.Background ?? record.Background,
                Model = request?.Model ?? record.Model,
                ResultKeys = ToArray(record),
                TemporaryUrl = record.TemporaryUrl?.AbsoluteUri,
                CreatedAt = record.CreatedAt?.UtcDateTime,
                UsedCredit = record.UsedCredit,
                CreditLimit = record.CreditLimit,
                BaseUri = baseUri.AbsoluteUri,
            };
        }

        private static string[] ToArray(AiRecord record)
        {
            var keys = new string[record.ResultKeys.Count];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = record.ResultKeys[i];
            }
            return keys;
        }
    }
}
