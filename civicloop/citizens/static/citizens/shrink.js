// Photos are shrunk in the browser before upload: a phone's 4 MB picture becomes ~300 KB, which
// is what makes reporting work on a weak network. A format the browser cannot draw (HEIC outside
// Safari) goes as it is; the server checks and converts every photo anyway.
(function () {
  "use strict";
  const MAX_SIDE = 1600, QUALITY = 0.85;

  function load(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("undrawable")); };
      img.src = url;
    });
  }

  async function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return file;
    let img;
    try { img = await load(file); } catch (e) { return file; }
    const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
    if (scale === 1 && file.size < 600 * 1024) return file;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(img.naturalWidth * scale);
    canvas.height = Math.round(img.naturalHeight * scale);
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    return blob && blob.size < file.size ? blob : file;
  }

  window.civicShrink = shrink;
})();
