// The pickup desk: a handheld scanner types into the field like a keyboard; where the browser has a
// BarcodeDetector (Chrome on Android), the camera reads the citizen's QR too.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("scan");
  const video = document.getElementById("scan-video");
  const field = document.getElementById("code");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const look = async () => {
      const found = await detector.detect(video).catch(() => []);
      if (found.length) {
        stream.getTracks().forEach((t) => t.stop());
        video.hidden = true;
        field.value = found[0].rawValue;
        field.form.submit();
        return;
      }
      requestAnimationFrame(look);
    };
    look();
  });
});
