"""Deploy-only scripts: the Lambda bundle (package.py), the Netlify build and its /api/* proxy rule."""
