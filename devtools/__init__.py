"""Local tooling that helps develop and deploy the site; none of it ships."""
