package dev.slipway.backup;

/**
 * The few lines of Python that move a dump between a pod and the object store over a presigned
 * URL. They run in the environment's own image: every Slipway runtime image has Python, so no
 * extra image (and no storage credentials) is needed. Errors name the HTTP status or the socket
 * error, never the URL, which is a credential.
 */
final class Transfers {

  /** Where the dump is written and read inside the Job's pod (an emptyDir). */
  static final String DIRECTORY = "/backup";
  static final String DUMP = DIRECTORY + "/database.dump";

  static final String URL_VARIABLE = "TRANSFER_URL";
  static final String HEADERS_VARIABLE = "TRANSFER_HEADERS";

  private Transfers() {}

  /** PUT the dump, with its length and the signed headers. */
  static final String UPLOAD = String.join("\n",
      "import json, os, sys, urllib.error, urllib.request",
      "path = '" + DUMP + "'",
      "size = os.path.getsize(path)",
      "headers = json.loads(os.environ.get('" + HEADERS_VARIABLE + "') or '{}')",
      "headers['Content-Length'] = str(size)",
      "with open(path, 'rb') as body:",
      "    request = urllib.request.Request(os.environ['" + URL_VARIABLE + "'], data=body, method='PUT', headers=headers)",
      "    try:",
      "        with urllib.request.urlopen(request, timeout=600) as response:",
      "            print('stored %d bytes (HTTP %d)' % (size, response.status))",
      "    except urllib.error.HTTPError as e:",
      "        sys.exit('upload of %d bytes refused: HTTP %d' % (size, e.code))",
      "    except urllib.error.URLError as e:",
      "        sys.exit('upload failed: %s' % (e.reason,))",
      "    except OSError as e:",
      "        sys.exit('upload failed: %s' % (type(e).__name__,))");

  /** GET the dump into the pod. */
  static final String DOWNLOAD = String.join("\n",
      "import json, os, shutil, sys, urllib.error, urllib.request",
      "headers = json.loads(os.environ.get('" + HEADERS_VARIABLE + "') or '{}')",
      "request = urllib.request.Request(os.environ['" + URL_VARIABLE + "'], headers=headers)",
      "try:",
      "    with urllib.request.urlopen(request, timeout=600) as response, open('" + DUMP + "', 'wb') as out:",
      "        shutil.copyfileobj(response, out, 1024 * 1024)",
      "    print('fetched %d bytes' % os.path.getsize('" + DUMP + "'))",
      "except urllib.error.HTTPError as e:",
      "    sys.exit('download refused: HTTP %d' % e.code)",
      "except urllib.error.URLError as e:",
      "    sys.exit('download failed: %s' % (e.reason,))",
      "except OSError as e:",
      "    sys.exit('download failed: %s' % (type(e).__name__,))");
}
