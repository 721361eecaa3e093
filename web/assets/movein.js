// The move-in page's upload: pick or drop a sheet, preview it (every row
// problem in place, nothing written), then import it, with the upload's
// progress and the result in words. Plain script, no library.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var csrf = form.getAttribute("data-csrf");
  var kind = document.getElementById("upload-kind");
  var input = document.getElementById("upload-file");
  var drop = document.getElementById("drop");
  var name = document.getElementById("upload-name");
  var previewBtn = document.getElementById("preview-btn");
  var importBtn = document.getElementById("import-btn");
  var bar = document.getElementById("upload-progress");
  var result = document.getElementById("upload-result");
  var file = null;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pick(f) {
    file = f;
    name.textContent = f ? f.name + "（" + Math.ceil(f.size / 1024) + " KB）" : "";
    previewBtn.disabled = !f;
    importBtn.disabled = true; // preview first
    result.innerHTML = "";
  }
  input.addEventListener("change", function () { pick(input.files[0] || null); });
  kind.addEventListener("change", function () { if (file) pick(file); });
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
  });

  function send(action, done) {
    var fd = new FormData();
    fd.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/dashboard/movein/" + action + "/" + encodeURIComponent(kind.value));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    bar.hidden = false;
    bar.value = 0;
    previewBtn.disabled = importBtn.disabled = true;
    result.innerHTML = "<p>" + (action === "preview" ? "正在上传并检查…" : "正在上传并导入…") + "</p>";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    };
    xhr.upload.onload = function () {
      bar.removeAttribute("value"); // uploaded: the server is reading it
      result.innerHTML = "<p>已上传，服务器正在逐行" + (action === "preview" ? "检查" : "导入") + "…</p>";
    };
    xhr.onload = function () {
      bar.hidden = true;
      previewBtn.disabled = false;
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      done(xhr.status, body);
    };
    xhr.onerror = function () {
      bar.hidden = true;
      previewBtn.disabled = false;
      result.innerHTML = '<p class="msg bad">网络断了，没有导入。请检查网络后再试。</p>';
    };
    xhr.send(fd);
  }

  function counts(r) {
    return "共 " + r.rows + " 行：新增 " + r.created + "，更新 " + r.updated + "，不变 " + r.unchanged;
  }
  function problems(status, body) {
    var e = body.error || {};
    var msg = e.message || "出错了（" + status + "）";
    if (msg.indexOf("导入") < 0) msg += "，一行也没有写入";
    var html = '<p class="msg bad">' + esc(msg) + "</p>";
    if (e.rows && e.rows.length) {
      html += '<table id="upload-problems"><thead><tr><th>行</th><th>列</th><th>问题</th></tr></thead><tbody>';
      e.rows.forEach(function (r) {
        html += "<tr><td>第 " + esc(r.row) + " 行</td><td>" + esc(r.column || "—") + "</td><td>" + esc(r.message) + "</td></tr>";
      });
      html += "</tbody></table>";
      if (e.more) html += "<p>另有 " + esc(e.more) + " 处问题没有列出：先改好上面这些再预览。</p>";
    }
    return html;
  }

  previewBtn.addEventListener("click", function () {
    if (!file) return;
    send("preview", function (status, body) {
      if (status === 200 && body.preview) {
        var p = body.preview;
        var what = kind.value === "stock" ? "共 " + p.rows + " 行，检查通过" : counts(p);
        result.innerHTML = '<p class="msg good" id="preview-ok">可以导入：' + esc(what) + "。确认无误后点「导入」。</p>";
        importBtn.disabled = false;
      } else {
        result.innerHTML = problems(status, body);
      }
    });
  });
  importBtn.addEventListener("click", function () {
    if (!file) return;
    send("import", function (status, body) {
      if (status === 200 && body["import"]) {
        result.innerHTML = '<p class="msg good" id="import-ok">已导入：' + esc(counts(body["import"])) + '。<a href="/dashboard/movein">刷新导入记录</a></p>';
        importBtn.disabled = true;
      } else {
        result.innerHTML = problems(status, body);
      }
    });
  });
})();
