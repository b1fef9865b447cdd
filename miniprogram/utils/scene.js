// The check-in code from what opened the check-in page or what the camera read: the `scene` of a
// mini-program code ("c=K7Q2M9XA", URL-encoded when it arrives as a page query), a scanned path
// ("pages/checkin/index?scene=c%3DK7Q2M9XA"), or the code typed or printed as it is.
function decode(text) {
  try {
    return decodeURIComponent(text)
  } catch (e) {
    return text
  }
}

function codeFrom(raw) {
  if (!raw) return ''
  let text = decode(String(raw).trim())
  const scene = text.match(/[?&]scene=([^&]+)/)
  if (scene) text = decode(scene[1])
  const named = text.match(/(?:^|[?&;])c=([A-Za-z0-9]+)/)
  if (named) return named[1].toUpperCase()
  return /^[A-Za-z0-9]{4,16}$/.test(text) ? text.toUpperCase() : ''
}

module.exports = { codeFrom }
